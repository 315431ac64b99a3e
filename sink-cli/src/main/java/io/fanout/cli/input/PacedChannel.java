package io.fanout.cli.input;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;

/**
 * Hands an input on at its stream's pace ({@code --pace}): bytes are read ahead into a staging
 * buffer, cut into chunks by a {@link StreamClock}, and each chunk is handed on when the
 * {@link Pacer} says it is due. The bytes are copied once, from the staging buffer into the
 * reader's. At the end of the input what is staged goes at once. Reader thread of the input only,
 * except {@link #close()}, which also ends a wait.
 */
public final class PacedChannel implements ReadableByteChannel
{
    private static final int STAGING = 1 << 20;

    private final ReadableByteChannel source;
    private final StreamClock clock;
    private final Pacer pacer;
    private final ByteBuffer staging = ByteBuffer.allocate(STAGING);
    /** Bytes of the current chunk, already due, not yet handed on. */
    private int chunkLeft;
    private boolean ended;
    private volatile boolean closed;
    private volatile Thread reader;

    private PacedChannel(final ReadableByteChannel source, final StreamClock clock)
    {
        this.source = source;
        this.clock = clock;
        this.pacer = new Pacer(this::checkOpen);
        staging.flip();
    }

    /** @return MPEG-TS paced by its PCR (or, without one, by DTS or PTS). */
    public static PacedChannel mpegts(final ReadableByteChannel source)
    {
        return new PacedChannel(source, new TsClock());
    }

    /** @return GDP paced by its buffers' timestamps. */
    public static PacedChannel gdp(final ReadableByteChannel source)
    {
        return new PacedChannel(source, new GdpClock());
    }

    /** @return any bytes at a fixed bit rate. */
    public static PacedChannel rate(final ReadableByteChannel source, final long bitsPerSecond)
    {
        return new PacedChannel(source, new RateClock(bitsPerSecond));
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
        reader = Thread.currentThread();
        while (chunkLeft == 0)
        {
            final int chunk = staging.hasRemaining() ? clock.next(staging) : StreamClock.NEED_MORE;
            if (chunk != StreamClock.NEED_MORE)
            {
                try
                {
                    pacer.await(clock.timeNs());
                }
                catch (final IllegalStateException ex)
                {
                    throw new AsynchronousCloseException();
                }
                chunkLeft = chunk;
            }
            else if (ended)
            {
                if (!staging.hasRemaining())
                {
                    return -1;
                }
                chunkLeft = staging.remaining(); // the end: what is left goes at once
            }
            else
            {
                staging.compact();
                ended = source.read(staging) < 0;
                staging.flip();
            }
        }
        final int n = Math.min(chunkLeft, dst.remaining());
        final int limit = staging.limit();
        staging.limit(staging.position() + n);
        dst.put(staging);
        staging.limit(limit);
        chunkLeft -= n;
        return n;
    }

    private void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException("closed");
        }
    }

    /** Any thread: @return how late the last chunk went, in ns. */
    public long lateNs()
    {
        return pacer.lateNs();
    }

    /** Any thread: @return the most a chunk was late since the last call, in ns. */
    public long takeMaxLateNs()
    {
        return pacer.takeMaxLateNs();
    }

    /** Any thread: @return how many discontinuities re-anchored the pacing. */
    public long reanchors()
    {
        return pacer.reanchors();
    }

    @Override
    public boolean isOpen()
    {
        return !closed;
    }

    @Override
    public void close() throws IOException
    {
        closed = true;
        final Thread waiting = reader;
        if (waiting != null)
        {
            java.util.concurrent.locks.LockSupport.unpark(waiting); // a pacing wait ends at once
        }
        source.close();
    }
}
