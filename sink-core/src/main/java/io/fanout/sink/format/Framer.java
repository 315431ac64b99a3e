package io.fanout.sink.format;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads an input stream and renders it into a sink as buffers. Producer thread only: a framer is
 * the sink's single producer while it runs.
 */
public interface Framer
{
    /**
     * Reads once from {@code input} (blocking as the channel does) and renders every buffer the
     * bytes complete.
     *
     * @param input the input.
     * @return false at end of input, true otherwise.
     * @throws IOException when reading fails.
     */
    boolean pump(ReadableByteChannel input) throws IOException;

    /** End of input: render whatever is still held back. */
    void finish();

    /**
     * The input was interrupted (a relay's upstream reconnects): drop whatever partial unit is
     * held back, so that the next input starts clean.
     */
    void reset();

    /** @return buffers rendered so far. */
    long buffersRendered();

    /** @return bytes rendered so far. */
    long bytesRendered();
}
