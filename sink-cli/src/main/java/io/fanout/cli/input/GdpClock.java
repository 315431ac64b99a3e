package io.fanout.cli.input;

import java.nio.ByteBuffer;

/**
 * Stream time of a GDP stream (docs/gdp.md): each buffer record is one chunk, due at its
 * timestamp; caps and event records and buffers without a timestamp go at once. A record larger
 * than the staging buffer is paced by its header and the rest follows untimed. A header that
 * cannot be one (a length over 1 GiB) is handed on byte by byte for the framer to report.
 */
final class GdpClock implements StreamClock
{
    private static final int HEADER = 62;
    private static final int AT_TYPE = 4;
    private static final int AT_LENGTH = 6;
    private static final int AT_PTS = 10;
    private static final int TYPE_BUFFER = 1;
    private static final long MAX_PAYLOAD = 1L << 30;

    private long untimed;
    private long time = NO_TIME;

    @Override
    public int next(final ByteBuffer staged)
    {
        final int available = staged.remaining();
        if (untimed > 0)
        {
            final int n = (int)Math.min(untimed, available);
            untimed -= n;
            time = NO_TIME;
            return n;
        }
        if (available < HEADER)
        {
            return NEED_MORE;
        }
        final int at = staged.position();
        final long length = staged.getInt(at + AT_LENGTH) & 0xFFFFFFFFL;
        if (length > MAX_PAYLOAD)
        {
            time = NO_TIME;
            return 1;
        }
        final long pts = staged.getLong(at + AT_PTS);
        time = (staged.getShort(at + AT_TYPE) & 0xFFFF) == TYPE_BUFFER && pts >= 0 ? pts : NO_TIME;
        final long record = HEADER + length;
        if (record <= available)
        {
            return (int)record;
        }
        if (record <= staged.capacity())
        {
            return NEED_MORE;
        }
        untimed = length;
        return HEADER;
    }

    @Override
    public long timeNs()
    {
        return time;
    }
}
