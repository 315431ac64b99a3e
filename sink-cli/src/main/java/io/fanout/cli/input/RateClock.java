package io.fanout.cli.input;

import java.nio.ByteBuffer;

/**
 * Stream time of an input without timestamps (raw, lines) at a fixed bit rate: a byte's time is
 * the bits before it divided by the rate. Chunks of about 10 ms of the stream.
 */
final class RateClock implements StreamClock
{
    private final double nsPerByte;
    private final int chunkBytes;
    private long bytes;
    private long time;

    /** @param bitsPerSecond the rate, &gt; 0. */
    RateClock(final long bitsPerSecond)
    {
        if (bitsPerSecond <= 0)
        {
            throw new IllegalArgumentException("rate " + bitsPerSecond + " must be positive");
        }
        nsPerByte = 8e9 / bitsPerSecond;
        chunkBytes = (int)Math.max(1, Math.min(1 << 20, bitsPerSecond / 8 / 100));
    }

    @Override
    public int next(final ByteBuffer staged)
    {
        final int n = Math.min(chunkBytes, staged.remaining());
        if (n == 0)
        {
            return NEED_MORE;
        }
        time = (long)(bytes * nsPerByte);
        bytes += n;
        return n;
    }

    @Override
    public long timeNs()
    {
        return time;
    }
}
