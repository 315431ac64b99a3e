package io.fanout.sink.internal.ring;

import java.nio.ByteBuffer;

/**
 * One streamheader: the buffers a client must receive before any data published while it was
 * current (docs/semantics.md §7, A.2.4). Immutable once built; its direct buffers are owned by the sink
 * (the selector thread sets their position and limit to write them).
 */
public final class Streamheader
{
    private final ByteBuffer[] buffers;
    private final int[] sizes;
    private final long totalBytes;

    /**
     * @param headers the header buffers (position to limit each); copied into direct memory.
     */
    public Streamheader(final ByteBuffer... headers)
    {
        buffers = new ByteBuffer[headers.length];
        sizes = new int[headers.length];
        long total = 0;
        for (int i = 0; i < headers.length; i++)
        {
            final ByteBuffer source = headers[i].duplicate();
            final ByteBuffer copy = ByteBuffer.allocateDirect(source.remaining());
            copy.put(source).flip();
            buffers[i] = copy;
            sizes[i] = copy.remaining();
            total += sizes[i];
        }
        totalBytes = total;
    }

    /** @return how many header buffers. */
    public int count()
    {
        return buffers.length;
    }

    /** @return true when there is no header buffer. */
    public boolean isEmpty()
    {
        return buffers.length == 0;
    }

    /** Selector thread: @param index 0 .. count-1. @return the header buffer (its position and limit are the writer's). */
    public ByteBuffer buffer(final int index)
    {
        return buffers[index];
    }

    /** @param index 0 .. count-1. @return its size in bytes. */
    public int size(final int index)
    {
        return sizes[index];
    }

    /** @return the bytes of all header buffers. */
    public long totalBytes()
    {
        return totalBytes;
    }

    /**
     * @param other another streamheader, or null.
     * @return true when both hold the same buffers with the same bytes, in the same order.
     */
    public boolean sameContent(final Streamheader other)
    {
        if (other == this)
        {
            return true;
        }
        if (other == null || other.buffers.length != buffers.length)
        {
            return false;
        }
        for (int i = 0; i < buffers.length; i++)
        {
            if (!equalBytes(buffers[i], 0, sizes[i], other.buffers[i], other.sizes[i]))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Producer thread: docs/semantics.md §4.1, a HEADER-flagged buffer identical to one of these is dropped.
     *
     * @param data a buffer (position to limit), left unchanged.
     * @return true when its bytes equal one of the header buffers.
     */
    public boolean contains(final ByteBuffer data)
    {
        for (int i = 0; i < buffers.length; i++)
        {
            if (equalBytes(buffers[i], 0, sizes[i], data, data.remaining(), data.position()))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean equalBytes(final ByteBuffer a, final int aFrom, final int aSize, final ByteBuffer b, final int bSize)
    {
        return equalBytes(a, aFrom, aSize, b, bSize, 0);
    }

    private static boolean equalBytes(
        final ByteBuffer a, final int aFrom, final int aSize, final ByteBuffer b, final int bSize, final int bFrom)
    {
        if (aSize != bSize)
        {
            return false;
        }
        for (int i = 0; i < aSize; i++)
        {
            if (a.get(aFrom + i) != b.get(bFrom + i))
            {
                return false;
            }
        }
        return true;
    }
}
