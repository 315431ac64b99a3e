package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The {@code lines} format: one keyframe buffer per text line, the newline included, for fan-out of
 * logs and telemetry to {@code nc} clients. A line longer than {@code maxLineLength} bytes is split
 * into buffers of that length. Lines are rendered as soon as their newline is read; a last line
 * without a newline is rendered at end of input. Reads go straight into the sink's claimed direct
 * memory: no copy. Producer thread only.
 */
public final class LinesFramer implements Framer
{
    /** Default maximum line length: 64 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

    private static final int READ_BYTES = 16 * 1024;

    private final ProducerPort sink;
    private final int maxLineLength;
    private int scanned; // uncommitted bytes already searched for a newline
    private long buffers;
    private long bytes;
    private long splitLines;
    private long bytesSkipped;

    /**
     * @param sink          the sink to render into.
     * @param maxLineLength the longest buffer in bytes, &gt;= 1.
     * @throws IllegalArgumentException for a length under 1.
     */
    public LinesFramer(final MultiSocketSink sink, final int maxLineLength)
    {
        this(ProducerPort.of(sink), maxLineLength);
    }

    /**
     * A framer that renders into any producer port: a {@link GdpPayloader} to serve GDP, a
     * recording fake in tests.
     *
     * @param sink          the port to render into; this framer is its only producer.
     * @param maxLineLength the longest buffer in bytes, &gt;= 1.
     * @throws IllegalArgumentException for a length under 1.
     */
    public LinesFramer(final ProducerPort sink, final int maxLineLength)
    {
        if (maxLineLength < 1)
        {
            throw new IllegalArgumentException("maxLineLength = " + maxLineLength + " must be >= 1");
        }
        this.sink = sink;
        this.maxLineLength = maxLineLength;
    }

    @Override
    public boolean pump(final ReadableByteChannel input) throws IOException
    {
        final ByteBuffer memory = sink.claim(READ_BYTES);
        memory.limit(memory.position() + READ_BYTES);
        final int n = input.read(memory);
        if (n < 0)
        {
            return false;
        }
        final int end = memory.position();
        int lineStart = end - sink.uncommitted();
        int i = lineStart + scanned;
        while (i < end)
        {
            if (memory.get(i) == '\n')
            {
                publish(i + 1 - lineStart);
                lineStart = i + 1;
            }
            else if (i + 1 - lineStart == maxLineLength)
            {
                publish(maxLineLength);
                splitLines++;
                lineStart = i + 1;
            }
            i++;
        }
        scanned = end - lineStart;
        return true;
    }

    @Override
    public void finish()
    {
        final int rest = sink.uncommitted();
        if (rest > 0)
        {
            publish(rest);
        }
        scanned = 0;
    }

    /**
     * The input was interrupted (a relay reconnects): a partial line is dropped and counted in
     * {@link #bytesSkipped()}, as the other framers count what reset drops, so that every input
     * byte is rendered, skipped or still held (Framer#reset; docs/gdp.md §9 for GDP's rule).
     */
    @Override
    public void reset()
    {
        final int partial = sink.uncommitted();
        sink.discard(partial);
        bytesSkipped += partial;
        scanned = 0;
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

    /** @return lines longer than the maximum, split into several buffers. */
    public long splitLines()
    {
        return splitLines;
    }

    /** @return input bytes dropped: a partial line when the input was reset. */
    public long bytesSkipped()
    {
        return bytesSkipped;
    }

    private void publish(final int length)
    {
        sink.commit(length, BufferFlags.NONE, MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
        buffers++;
        bytes += length;
    }
}
