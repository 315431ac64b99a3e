package io.fanout.sink.format;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A fake sink producer with the claim/commit/discard contract of MultiSocketSink: uncommitted
 * bytes are kept across claims and moved to new memory whenever the current region is short
 * (new memory is filled with 0xEE first, so stale reads show). Records, in order, every committed
 * buffer (with the input offset of its first byte) and every streamheader set.
 */
final class RecordingPort implements ProducerPort
{
    /** One committed buffer; {@code inputOffset} counts every byte committed or discarded before it. */
    record Published(byte[] bytes, int flags, long pts, long duration, long inputOffset)
    {
    }

    /** One setStreamheader call; no buffers means cleared. */
    record Streamheader(List<byte[]> buffers)
    {
    }

    private final int slack;
    final List<Object> log = new ArrayList<>();
    private ByteBuffer memory;
    private int commitOffset;
    long consumed;
    long committed;
    long discarded;
    long moves;
    /** The largest region a claim asked for: the bytes held plus minFree. */
    int largestClaim;

    /** @param slack bytes allocated beyond what a claim needs (0: every short claim moves). */
    RecordingPort(final int slack)
    {
        this.slack = slack;
    }

    @Override
    public ByteBuffer claim(final int minFree)
    {
        if (minFree < 0)
        {
            throw new IllegalArgumentException("minFree " + minFree);
        }
        largestClaim = Math.max(largestClaim, uncommitted() + minFree);
        if (memory == null || memory.capacity() - memory.position() < minFree)
        {
            final int carry = uncommitted();
            final ByteBuffer next = ByteBuffer.allocateDirect(carry + minFree + slack);
            while (next.hasRemaining())
            {
                next.put((byte)0xEE);
            }
            next.clear();
            if (carry > 0)
            {
                final ByteBuffer src = memory.duplicate();
                src.limit(memory.position()).position(commitOffset);
                next.put(src);
            }
            memory = next;
            commitOffset = 0;
            moves++;
        }
        memory.limit(memory.capacity());
        return memory;
    }

    @Override
    public void commit(final int length, final int flags, final long ptsNs, final long durationNs)
    {
        check(length);
        final byte[] bytes = new byte[length];
        memory.get(commitOffset, bytes);
        log.add(new Published(bytes, flags, ptsNs, durationNs, consumed));
        take(length);
        committed += length;
    }

    @Override
    public void discard(final int length)
    {
        check(length);
        take(length);
        discarded += length;
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
        for (final ByteBuffer header : headers)
        {
            final ByteBuffer source = header.duplicate();
            final byte[] copy = new byte[source.remaining()];
            source.get(copy);
            copies.add(copy);
        }
        log.add(new Streamheader(copies));
    }

    List<Published> published()
    {
        return log.stream().filter(Published.class::isInstance).map(Published.class::cast).toList();
    }

    List<Streamheader> streamheaders()
    {
        return log.stream().filter(Streamheader.class::isInstance).map(Streamheader.class::cast).toList();
    }

    /** @return the log as text: "buf:HEX..." for a buffer (first 8 bytes), "sh:n" for a streamheader of n buffers. */
    List<String> outline()
    {
        final List<String> lines = new ArrayList<>();
        for (final Object entry : log)
        {
            if (entry instanceof Published p)
            {
                lines.add("buf:" + GdpWriter.toHex(Arrays.copyOf(p.bytes(), Math.min(8, p.bytes().length))));
            }
            else
            {
                lines.add("sh:" + ((Streamheader)entry).buffers().size());
            }
        }
        return lines;
    }

    private void check(final int length)
    {
        if (memory == null)
        {
            throw new IllegalStateException("before any claim");
        }
        if (length < 0 || length > uncommitted())
        {
            throw new IllegalArgumentException("length " + length + " with " + uncommitted() + " uncommitted");
        }
    }

    private void take(final int length)
    {
        commitOffset += length;
        consumed += length;
    }
}
