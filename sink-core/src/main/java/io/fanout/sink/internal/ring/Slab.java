package io.fanout.sink.internal.ring;

import java.nio.ByteBuffer;

/**
 * A block of direct memory that the producer fills front to back with payloads, shared by every
 * buffer published from it.
 * <p>
 * Two views of the same memory: {@link #writeView()} is the producer's (it reads input into it),
 * {@link #sendView()} goes into the ring and is the reader's (it sets position and limit for each
 * gathering write). Producer thread only, apart from the reader's use of {@code sendView}.
 */
public final class Slab
{
    private final ByteBuffer writeView;
    private final ByteBuffer sendView;
    private long lastSeq = -1;

    Slab(final int capacityBytes)
    {
        writeView = ByteBuffer.allocateDirect(capacityBytes);
        sendView = writeView.duplicate();
    }

    /** @return the producer's view: write payload bytes here. */
    public ByteBuffer writeView()
    {
        return writeView;
    }

    /** @return the view published into the ring. */
    public ByteBuffer sendView()
    {
        return sendView;
    }

    /** @return capacity in bytes. */
    public int capacity()
    {
        return writeView.capacity();
    }

    /** @return the newest sequence published from this slab, -1 if none. */
    long lastSeq()
    {
        return lastSeq;
    }

    void lastSeq(final long seq)
    {
        lastSeq = seq;
    }

    void reset()
    {
        writeView.clear();
        lastSeq = -1;
    }
}
