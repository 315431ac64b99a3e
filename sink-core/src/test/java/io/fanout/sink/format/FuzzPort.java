package io.fanout.sink.format;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A lean {@link ProducerPort} for the fuzz targets: the claim/commit/discard contract of
 * MultiSocketSink on one heap buffer, cheap enough for tens of thousands of runs a second.
 * Whenever a claim finds too little room it moves the uncommitted bytes to the front (and grows
 * the buffer if that is still short), so a framer that keeps a stale view across claims reads
 * wrong bytes. Records every committed buffer with the input offset of its first byte, and every
 * streamheader, as {@link RecordingPort} does.
 */
final class FuzzPort implements ProducerPort
{
    private ByteBuffer memory = ByteBuffer.allocate(0);
    private int commitOffset;
    /** Bytes committed or discarded so far: the input offset of the oldest uncommitted byte. */
    long consumed;
    long committed;
    long discarded;
    final List<RecordingPort.Published> published = new ArrayList<>();
    final List<RecordingPort.Streamheader> streamheaders = new ArrayList<>();

    @Override
    public ByteBuffer claim(final int minFree)
    {
        if (minFree < 0)
        {
            throw new IllegalArgumentException("minFree " + minFree);
        }
        if (memory.capacity() - memory.position() < minFree)
        {
            final int carry = uncommitted();
            final ByteBuffer next = carry + minFree <= memory.capacity() ? memory :
                ByteBuffer.allocate(Math.max(carry + minFree, 2 * memory.capacity()));
            final ByteBuffer src = memory.duplicate();
            src.limit(memory.position()).position(commitOffset);
            final byte[] held = new byte[carry];
            src.get(held);
            next.clear();
            next.put(held);
            memory = next;
            commitOffset = 0;
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
        published.add(new RecordingPort.Published(bytes, flags, ptsNs, durationNs, consumed));
        commitOffset += length;
        consumed += length;
        committed += length;
    }

    @Override
    public void discard(final int length)
    {
        check(length);
        commitOffset += length;
        consumed += length;
        discarded += length;
    }

    @Override
    public int uncommitted()
    {
        return memory.position() - commitOffset;
    }

    @Override
    public void setStreamheader(final ByteBuffer... headers)
    {
        final List<byte[]> copies = new ArrayList<>();
        for (final ByteBuffer header : headers)
        {
            final byte[] copy = new byte[header.remaining()];
            header.duplicate().get(copy);
            copies.add(copy);
        }
        streamheaders.add(new RecordingPort.Streamheader(copies));
    }

    private void check(final int length)
    {
        if (length < 0 || length > uncommitted())
        {
            throw new AssertionError("length " + length + " with " + uncommitted() + " uncommitted");
        }
    }
}
