package io.fanout.gst;

/**
 * How a {@link GstInput} ended.
 *
 * @param end     which end.
 * @param message the pipeline's error message with the element that posted it
 *                ({@link End#ERROR}), or null.
 */
public record GstOutcome(End end, String message)
{
    /** The ends of an input. */
    public enum End
    {
        /** The pipeline reached end of stream: the input ended as standard input does at its end. */
        END_OF_STREAM,
        /** An element posted an error on the bus: the input failed. */
        ERROR,
        /** {@link GstInput#stop()} ended it (a signal, the application). */
        STOPPED
    }

    /** @return true for {@link End#ERROR}. */
    public boolean failed()
    {
        return end == End.ERROR;
    }
}
