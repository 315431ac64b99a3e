package io.fanout.sink.format;

import io.fanout.sink.MultiSocketSink;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link ProducerPort} that records every committed buffer and every streamheader, in order,
 * with MultiSocketSink's claim contract made hostile: every claim moves the uncommitted bytes to
 * other memory (two arrays in turn, holding stale bytes) at a different offset, and fills the
 * three packets after them with sync bytes (0x47), so a framer that keeps a stale view or reads
 * past what it was given renders wrong bytes.
 */
final class RecordingFrameSink implements ProducerPort
{
    /** A committed buffer. */
    record Buffer(byte[] bytes, int flags)
    {
    }

    /** A streamheader set. */
    record Header(List<byte[]> buffers)
    {
    }

    private final List<Object> events = new ArrayList<>();
    private ByteBuffer memory;
    /** The other of the two arrays claims alternate between. */
    private byte[] spare = new byte[0];
    private int commitOffset;
    private int claims;
    private long discarded;

    @Override
    public ByteBuffer claim(final int minFree)
    {
        final int carry = uncommitted();
        final int pad = (claims++ * 37) % 101;
        final int size = pad + carry + minFree + 5;
        final byte[] array = spare.length >= size ? spare : new byte[size];
        if (memory != null)
        {
            System.arraycopy(memory.array(), commitOffset, array, pad, carry);
            spare = memory.array();
        }
        final int free = pad + carry;
        Arrays.fill(array, free, Math.min(array.length, free + 3 * MpegTsFramer.PACKET_SIZE), (byte)0x47);
        memory = ByteBuffer.wrap(array);
        memory.position(free);
        commitOffset = pad;
        return memory;
    }

    @Override
    public void commit(final int length, final int flags, final long ptsNs, final long durationNs)
    {
        check(length);
        if (ptsNs != MultiSocketSink.CLOCK_TIME_NONE || durationNs != MultiSocketSink.CLOCK_TIME_NONE)
        {
            throw new AssertionError("unexpected timestamps " + ptsNs + ", " + durationNs);
        }
        events.add(new Buffer(Arrays.copyOfRange(memory.array(), commitOffset, commitOffset + length), flags));
        commitOffset += length;
    }

    @Override
    public void discard(final int length)
    {
        check(length);
        commitOffset += length;
        discarded += length;
    }

    private void check(final int length)
    {
        if (memory == null)
        {
            throw new IllegalStateException("before any claim");
        }
        if (length < 0 || length > uncommitted())
        {
            throw new IllegalArgumentException("length = " + length + " exceeds the " + uncommitted() + " uncommitted bytes");
        }
    }

    @Override
    public int uncommitted()
    {
        return memory == null ? 0 : memory.position() - commitOffset;
    }

    @Override
    public void setStreamheader(final ByteBuffer... headers)
    {
        final List<byte[]> copies = new ArrayList<>();
        for (final ByteBuffer h : headers)
        {
            final byte[] b = new byte[h.remaining()];
            h.duplicate().get(b);
            copies.add(b);
        }
        events.add(new Header(copies));
    }

    /** @return buffers and headers, in the order they were given. */
    List<Object> events()
    {
        return events;
    }

    List<Buffer> buffers()
    {
        return events.stream().filter(Buffer.class::isInstance).map(Buffer.class::cast).toList();
    }

    List<Header> headers()
    {
        return events.stream().filter(Header.class::isInstance).map(Header.class::cast).toList();
    }

    /** @return every committed byte, in order. */
    byte[] rendered()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        buffers().forEach(b -> out.writeBytes(b.bytes()));
        return out.toByteArray();
    }

    long discarded()
    {
        return discarded;
    }
}
