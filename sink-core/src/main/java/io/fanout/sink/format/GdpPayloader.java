package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Serves a stream as GDP, as {@code gdppay} would write it (docs/gdp.md §2, §6, §7): a
 * {@link ProducerPort} in front of a sink that turns every buffer a framer commits into one GDP
 * buffer record (header and payload, committed to the sink as one buffer with the same flags and
 * timestamps, so that sync methods and lag limits work on whole records), and the streamheader
 * into one caps record, {@code CAPS, streamheader=(buffer)< HEX, ... >}, which becomes the sink's
 * streamheader: every client gets it first, and again when it changes (resend-streamheader).
 * An edge that reads it with {@link GdpFramer} ({@code --format gdp}) gets back each buffer's
 * keyframe flag, PTS, duration and the streamheader, without parsing the payload again: that is
 * how the tiers of a fan-out tree keep the stream's metadata (README, "Past one machine").
 * <p>
 * The framer writes into a staging buffer of this class; each commit copies the payload once,
 * behind its header, into memory claimed from the sink. Headers carry a header CRC (gdppay's
 * default {@code crc-header=true}); PTS, duration and flags come from the commit, DTS and offsets
 * are NONE. Producer thread only.
 */
public final class GdpPayloader implements ProducerPort
{
    /** GStreamer's {@code GST_BUFFER_FLAG_HEADER}, as GDP carries it (docs/gdp.md §3). */
    static final int GST_HEADER = 0x0400;
    /** GStreamer's {@code GST_BUFFER_FLAG_DELTA_UNIT}. */
    static final int GST_DELTA_UNIT = 0x2000;
    private static final int HEADER_BYTES = 62;
    private static final int TYPE_BUFFER = 1;
    private static final int TYPE_CAPS = 2;
    private static final long NONE = -1L;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final byte[] RESERVED = new byte[6];

    private final MultiSocketSink sink;
    private final String caps;
    private ByteBuffer staging = ByteBuffer.allocateDirect(1 << 20);
    private int commitOffset;

    /**
     * Sets the sink's streamheader to the caps record of {@code caps} (no streamheader yet), so
     * that every client gets the caps first. Producer thread.
     *
     * @param sink the sink the records go to; this port is its only producer.
     * @param caps the stream's caps without a streamheader, as GStreamer prints them, e.g.
     *             {@code video/mpegts, systemstream=(boolean)true, packetsize=(int)188}.
     */
    public GdpPayloader(final MultiSocketSink sink, final String caps)
    {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.caps = Objects.requireNonNull(caps, "caps");
        setStreamheader();
    }

    @Override
    public ByteBuffer claim(final int minFree)
    {
        if (staging.capacity() - staging.position() < minFree)
        {
            final int carry = uncommitted();
            final ByteBuffer next = carry + minFree > staging.capacity() ?
                ByteBuffer.allocateDirect(Math.max(2 * staging.capacity(), carry + minFree)) : staging;
            final ByteBuffer old = staging.duplicate();
            old.limit(old.position()).position(commitOffset);
            next.clear();
            next.put(old); // compact (or move) the bytes written and not committed yet
            staging = next;
            commitOffset = 0;
        }
        staging.limit(staging.capacity());
        return staging;
    }

    @Override
    public void commit(final int length, final int flags, final long ptsNs, final long durationNs)
    {
        if (length < 0 || length > uncommitted())
        {
            throw new IllegalArgumentException("length = " + length + " exceeds the " + uncommitted() + " uncommitted bytes written");
        }
        final ByteBuffer out = sink.claim(HEADER_BYTES + length);
        final int start = out.position();
        header(out, TYPE_BUFFER, length, ptsNs, durationNs, NONE, gstFlags(flags));
        final int written = staging.position();
        staging.limit(commitOffset + length).position(commitOffset);
        out.put(staging); // the one copy, no view allocated per buffer
        staging.limit(staging.capacity()).position(written);
        sink.commit(out.position() - start, flags, ptsNs, durationNs);
        commitOffset += length;
    }

    @Override
    public void discard(final int length)
    {
        if (length < 0 || length > uncommitted())
        {
            throw new IllegalArgumentException("length = " + length + " exceeds the " + uncommitted() + " uncommitted bytes written");
        }
        commitOffset += length;
    }

    @Override
    public int uncommitted()
    {
        return staging.position() - commitOffset;
    }

    /**
     * The streamheader becomes the {@code streamheader} field of a caps record, and that record the
     * sink's streamheader; none gives the caps record alone.
     */
    @Override
    public void setStreamheader(final ByteBuffer... headers)
    {
        final StringBuilder text = new StringBuilder(caps);
        if (headers.length > 0)
        {
            text.append(", streamheader=(buffer)< ");
            for (int i = 0; i < headers.length; i++)
            {
                if (i > 0)
                {
                    text.append(", ");
                }
                for (int at = headers[i].position(); at < headers[i].limit(); at++)
                {
                    final int b = headers[i].get(at) & 0xFF;
                    text.append(HEX[b >>> 4]).append(HEX[b & 0x0F]);
                }
            }
            text.append(" >");
        }
        final byte[] body = (text + "\0").getBytes(StandardCharsets.UTF_8);
        final ByteBuffer record = ByteBuffer.allocate(HEADER_BYTES + body.length);
        header(record, TYPE_CAPS, body.length, 0, 0, 0, 0); // docs/gdp.md §2: a caps record's numeric fields are 0
        record.put(body).flip();
        sink.setStreamheader(record);
    }

    private void setStreamheader()
    {
        setStreamheader(new ByteBuffer[0]);
    }

    /** @return GstBufferFlags bits for the sink's flags (docs/gdp.md §3). */
    static int gstFlags(final int flags)
    {
        return ((flags & BufferFlags.DELTA_UNIT) != 0 ? GST_DELTA_UNIT : 0) | ((flags & BufferFlags.HEADER) != 0 ? GST_HEADER : 0);
    }

    /** Writes a 62-byte GDP 1.0 header at the buffer's position (docs/gdp.md §2), with its header CRC. */
    private static void header(final ByteBuffer out, final int type, final int length, final long pts, final long duration,
        final long offsets, final int bufferFlags)
    {
        final int start = out.position();
        out.put((byte)1).put((byte)0).put((byte)0x01).put((byte)0); // version 1.0, header CRC present, reserved
        out.putShort((short)type).putInt(length);
        out.putLong(pts).putLong(duration).putLong(offsets).putLong(offsets);
        out.putShort((short)bufferFlags).putLong(type == TYPE_BUFFER ? NONE : 0); // DTS
        out.put(RESERVED);
        out.putShort((short)GdpFramer.crc(out, start, 58)).putShort((short)0); // no payload CRC
    }
}
