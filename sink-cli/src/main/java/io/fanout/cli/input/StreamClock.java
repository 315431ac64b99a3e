package io.fanout.cli.input;

import java.nio.ByteBuffer;

/**
 * Where the stream times are in an input's bytes, for {@link PacedChannel}: it cuts the staged
 * bytes into chunks, each due at a stream time. Reader thread of the input only.
 */
interface StreamClock
{
    /** {@link #next}: the staged bytes do not yet hold a whole chunk. */
    int NEED_MORE = 0;
    /** {@link #timeNs()}: the chunk has no time of its own and goes at once. */
    long NO_TIME = Long.MIN_VALUE;

    /**
     * Looks at the staged bytes from the buffer's position to its limit (without moving either).
     *
     * @param staged the bytes read and not yet handed on.
     * @return the length of the next chunk (its time is then {@link #timeNs()}), or
     * {@link #NEED_MORE}.
     */
    int next(ByteBuffer staged);

    /** @return the stream time of the chunk {@link #next} returned, in ns, or {@link #NO_TIME}. */
    long timeNs();
}
