package io.fanout.sink.format;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Input that returns {@code data} in the chunk sizes chosen per read (read index to size; a size
 * of 0 is a read that returns nothing, as a non-blocking channel may), then end of stream.
 */
final class ChunkedChannel implements ReadableByteChannel
{
    private final byte[] data;
    private final IntUnaryOperator chunks;
    private int position;
    private int reads;
    private boolean open = true;

    ChunkedChannel(final byte[] data, final IntUnaryOperator chunks)
    {
        this.data = data;
        this.chunks = chunks;
    }

    static ChunkedChannel oneByte(final byte[] data)
    {
        return new ChunkedChannel(data, read -> 1);
    }

    static ChunkedChannel whole(final byte[] data)
    {
        return new ChunkedChannel(data, read -> Integer.MAX_VALUE);
    }

    /** Chunks of 1 .. maxChunk bytes, from a seeded generator. */
    static ChunkedChannel random(final byte[] data, final long seed, final int maxChunk)
    {
        final Random random = new Random(seed);
        return new ChunkedChannel(data, read -> 1 + random.nextInt(maxChunk));
    }

    @Override
    public int read(final ByteBuffer dst)
    {
        if (position == data.length)
        {
            return -1;
        }
        final int n = Math.min(Math.min(chunks.applyAsInt(reads++), data.length - position), dst.remaining());
        dst.put(data, position, n);
        position += n;
        return n;
    }

    /** @return bytes handed out so far. */
    int position()
    {
        return position;
    }

    @Override
    public boolean isOpen()
    {
        return open;
    }

    @Override
    public void close()
    {
        open = false;
    }
}
