package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The {@code raw} format: every read of up to {@code blocksize} bytes becomes one keyframe buffer
 * without timestamps, as GStreamer's {@code fdsrc blocksize=N}. Reads go straight into the sink's
 * claimed direct memory: no copy.
 */
public final class RawFramer implements Framer
{
    /** Default block size: 4096 bytes, as basesrc's blocksize. */
    public static final int DEFAULT_BLOCKSIZE = 4096;

    private final ProducerPort sink;
    private final int blocksize;
    private long buffers;
    private long bytes;

    /**
     * @param sink      the sink to render into.
     * @param blocksize the largest buffer in bytes, &gt;= 1.
     * @throws IllegalArgumentException for a blocksize under 1.
     */
    public RawFramer(final MultiSocketSink sink, final int blocksize)
    {
        this(ProducerPort.of(sink), blocksize);
    }

    /**
     * A framer that renders into any producer port: a {@link GdpPayloader} to serve GDP, a
     * recording fake in tests.
     *
     * @param sink      the port to render into; this framer is its only producer.
     * @param blocksize the largest buffer in bytes, &gt;= 1.
     * @throws IllegalArgumentException for a blocksize under 1.
     */
    public RawFramer(final ProducerPort sink, final int blocksize)
    {
        if (blocksize < 1)
        {
            throw new IllegalArgumentException("blocksize = " + blocksize + " must be >= 1");
        }
        this.sink = sink;
        this.blocksize = blocksize;
    }

    @Override
    public boolean pump(final ReadableByteChannel input) throws IOException
    {
        final ByteBuffer memory = sink.claim(blocksize);
        memory.limit(memory.position() + blocksize);
        final int n = input.read(memory);
        if (n < 0)
        {
            return false;
        }
        if (n > 0)
        {
            sink.commit(n, BufferFlags.NONE, MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
            buffers++;
            bytes += n;
        }
        return true;
    }

    @Override
    public void finish()
    {
        // raw input holds nothing back
    }

    @Override
    public void reset()
    {
        // raw input holds nothing back
    }

    @Override
    public long buffersRendered()
    {
        return buffers;
    }

    @Override
    public long bytesRendered()
    {
        return bytes;
    }
}
