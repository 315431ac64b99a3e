package io.fanout.gst;

/**
 * GStreamer cannot be used in this process: its libraries ({@code libgstreamer-1.0},
 * {@code libgstapp-1.0}) could not be loaded, or they are older than the adapter needs. The
 * message names what is missing and how to install it.
 */
public final class GstUnavailableException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is missing, one line.
     * @param cause   the loader's error.
     */
    public GstUnavailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
