package io.fanout.sink;

/** Bit flags of a rendered buffer, as GstBufferFlags. A buffer without {@link #DELTA_UNIT} is a keyframe. */
public final class BufferFlags
{
    /** No flag: a keyframe. */
    public static final int NONE = 0;
    /** Not a keyframe: the buffer cannot be decoded on its own (GST_BUFFER_FLAG_DELTA_UNIT). */
    public static final int DELTA_UNIT = 1;
    /** The buffer is a stream header (GST_BUFFER_FLAG_HEADER). */
    public static final int HEADER = 1 << 1;

    private BufferFlags()
    {
    }

    /**
     * @param flags the flags of a buffer.
     * @return true when the buffer is a keyframe, that is when {@link #DELTA_UNIT} is not set.
     */
    public static boolean isKeyframe(final int flags)
    {
        return (flags & DELTA_UNIT) == 0;
    }
}
