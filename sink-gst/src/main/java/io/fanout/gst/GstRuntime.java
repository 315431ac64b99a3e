package io.fanout.gst;

import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.GstException;
import org.freedesktop.gstreamer.Version;

/**
 * Loads and initialises GStreamer once per process ({@code gst_init}), turning a missing library
 * into a {@link GstUnavailableException} with a one-line message.
 */
final class GstRuntime
{
    /** The oldest GStreamer the adapter is tested with is Debian 12's 1.22; 1.16 is what it needs. */
    static final Version REQUIRED = Version.of(1, 16);

    private static final String INSTALL =
        "install GStreamer 1.x (Debian/Ubuntu: apt-get install libgstreamer1.0-0 gstreamer1.0-plugins-base, " +
        "plus the plugins the pipeline uses)";

    private GstRuntime()
    {
    }

    /**
     * Any thread: initialises GStreamer unless done already.
     *
     * @throws GstUnavailableException when the libraries cannot be loaded or are too old.
     */
    static synchronized void init() throws GstUnavailableException
    {
        try
        {
            if (!Gst.isInitialized())
            {
                Gst.init(REQUIRED, "fanout");
            }
        }
        catch (final UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError ex)
        {
            final Throwable cause = ex.getCause() != null ? ex.getCause() : ex;
            throw new GstUnavailableException("GStreamer is not installed: " + firstLine(cause.getMessage()) + "; " + INSTALL, ex);
        }
        catch (final GstException ex)
        {
            throw new GstUnavailableException("GStreamer could not start: " + firstLine(ex.getMessage()) + "; " + INSTALL, ex);
        }
    }

    /**
     * Any thread, after {@link #init()}: the appsink element class, which lives in {@code libgstapp-1.0}
     * (gstreamer1.0-plugins-base), loaded apart from the core library.
     *
     * @throws GstUnavailableException when that library is missing.
     */
    static void requireAppSink() throws GstUnavailableException
    {
        try
        {
            Class.forName("org.freedesktop.gstreamer.elements.AppSink", true, GstRuntime.class.getClassLoader());
            if (org.freedesktop.gstreamer.ElementFactory.find("appsink") == null)
            {
                throw new IllegalArgumentException("no element factory appsink");
            }
        }
        catch (final UnsatisfiedLinkError | NoClassDefFoundError | ClassNotFoundException | IllegalArgumentException ex)
        {
            throw new GstUnavailableException("GStreamer's appsink is not available (libgstapp-1.0, element appsink): " +
                firstLine(String.valueOf(ex.getMessage())) + "; " + INSTALL, ex);
        }
    }

    private static String firstLine(final String message)
    {
        if (message == null)
        {
            return "(no message)";
        }
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
