package io.fanout.gst;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few GStreamer C functions the adapter calls once per buffer, bound with JNA's direct
 * mapping ({@code Native.register}): a native call without the proxy, wrapper objects and
 * structure reflection of gst1-java-core's API, which cost 116 µs of CPU per buffer against 13 on the
 * benchmark machine (BENCHMARKS.md, "GStreamer input"). Loaded after gst1-java-core has
 * initialised GStreamer ({@link GstRuntime#init()}), from the same libraries.
 * <p>
 * Layouts read by offset (GStreamer 1.x ABI, stable since 1.0, x86-64 and other LP64):
 * {@code GstMiniObject.flags} at 16, {@code GstBuffer.pts} at 72 and {@code duration} at 88;
 * {@code GstMapInfo.data} at 16 and {@code size} at 24, the struct 104 bytes.
 */
final class GstCalls
{
    /** Offset of {@code GstMiniObject.flags} (the buffer's GstBufferFlags). */
    static final long BUFFER_FLAGS = 16;
    /** Offset of {@code GstBuffer.pts}. */
    static final long BUFFER_PTS = 72;
    /** Offset of {@code GstBuffer.duration}. */
    static final long BUFFER_DURATION = 88;
    /** {@code sizeof(GstMapInfo)}. */
    static final int MAP_INFO_BYTES = 104;
    /** Offset of {@code GstMapInfo.data}. */
    static final long MAP_DATA = 16;
    /** Offset of {@code GstMapInfo.size}. */
    static final long MAP_SIZE = 24;
    /** {@code GST_MAP_READ}. */
    static final int MAP_READ = 1;

    private GstCalls()
    {
    }

    /** Binds the natives of the nested classes; once. */
    static void bind()
    {
        Core.class.getName();
        App.class.getName();
        GLib.class.getName();
    }

    /** libgstreamer-1.0. */
    static final class Core
    {
        static
        {
            Native.register(Core.class, NativeLibrary.getInstance("gstreamer-1.0"));
        }

        private Core()
        {
        }

        static native Pointer gst_sample_get_buffer(Pointer sample);

        static native Pointer gst_sample_get_caps(Pointer sample);

        static native Pointer gst_caps_to_string(Pointer caps);

        static native Pointer gst_mini_object_ref(Pointer object);

        static native void gst_mini_object_unref(Pointer object);

        static native int gst_buffer_map(Pointer buffer, Pointer info, int flags);

        static native void gst_buffer_unmap(Pointer buffer, Pointer info);
    }

    /** libgstapp-1.0. */
    static final class App
    {
        static
        {
            Native.register(App.class, NativeLibrary.getInstance("gstapp-1.0"));
        }

        private App()
        {
        }

        static native Pointer gst_app_sink_pull_sample(Pointer appsink);
    }

    /** libglib-2.0. */
    static final class GLib
    {
        static
        {
            Native.register(GLib.class, NativeLibrary.getInstance("glib-2.0"));
        }

        private GLib()
        {
        }

        static native void g_free(Pointer memory);
    }
}
