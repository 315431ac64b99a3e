package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The streamheader rules an input that carries GStreamer buffer flags and caps follows
 * (docs/gdp.md §9, docs/semantics.md §4.1 and §7), in one place for the GDP framer and the
 * GStreamer adapter ({@code sink-gst}):
 * <ul>
 * <li>caps <b>replace</b> the streamheader ({@link #replace});</li>
 * <li>a HEADER buffer equal to one of the current streamheader buffers is not data, and when it
 * was a keyframe the next buffer carries the keyframe mark ({@link #flags}).</li>
 * </ul>
 * Producer thread only.
 */
public final class StreamheaderRules
{
    /** What {@link #flags} returns for a buffer to drop. */
    public static final int DROP = -1;

    private byte[][] streamheader;
    private boolean keyframePending;

    /**
     * @param header the streamheader buffers the caps carry, or null for none.
     * @return the new streamheader to set (empty: cleared), or null when it did not change.
     */
    public ByteBuffer[] replace(final byte[][] header)
    {
        if (Arrays.deepEquals(header, streamheader))
        {
            return null;
        }
        streamheader = header;
        final ByteBuffer[] wrapped = new ByteBuffer[header == null ? 0 : header.length];
        for (int i = 0; i < wrapped.length; i++)
        {
            wrapped[i] = ByteBuffer.wrap(header[i]);
        }
        return wrapped;
    }

    /**
     * @param memory the buffer's bytes (absolute reads).
     * @param at     its first byte in {@code memory}.
     * @param length its length in bytes.
     * @param flags  its {@link BufferFlags}.
     * @return {@link #DROP} for a HEADER copy of the streamheader, else the flags to render it with.
     */
    public int flags(final ByteBuffer memory, final int at, final int length, final int flags)
    {
        if ((flags & BufferFlags.HEADER) != 0 && isCopy(memory, at, length))
        {
            keyframePending |= (flags & BufferFlags.DELTA_UNIT) == 0; // docs/gdp.md §9: the mark moves on
            return DROP;
        }
        if (keyframePending)
        {
            keyframePending = false;
            return flags & ~BufferFlags.DELTA_UNIT;
        }
        return flags;
    }

    /** The input restarts: no keyframe mark is carried over. */
    public void reset()
    {
        keyframePending = false;
    }

    /** @return the current streamheader's buffer count, 0 when there is none. */
    public int count()
    {
        return streamheader == null ? 0 : streamheader.length;
    }

    private boolean isCopy(final ByteBuffer memory, final int at, final int length)
    {
        if (streamheader == null)
        {
            return false;
        }
        for (final byte[] header : streamheader)
        {
            if (header.length == length && equalBytes(memory, at, header))
            {
                return true;
            }
        }
        return false;
    }

    private static boolean equalBytes(final ByteBuffer memory, final int at, final byte[] expected)
    {
        for (int i = 0; i < expected.length; i++)
        {
            if (memory.get(at + i) != expected[i])
            {
                return false;
            }
        }
        return true;
    }
}
