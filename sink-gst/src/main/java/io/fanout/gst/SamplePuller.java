package io.fanout.gst;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The producer's per-buffer path: pulls one sample from the appsink, hands its caps text (when
 * the caps changed), bytes, flags and timestamps to a {@link SampleRenderer}, and releases it.
 * The bytes are a view of GStreamer's mapped memory, valid only during the call; the renderer
 * copies them once into the sink. One map-info struct is reused; the caps last seen are held
 * (a reference) so that their address cannot be reused by other caps meanwhile.
 * <p>
 * Producer thread only.
 */
final class SamplePuller implements AutoCloseable
{
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final Pointer appsink;
    private final Memory mapInfo = new Memory(GstCalls.MAP_INFO_BYTES);
    private Pointer caps;

    /**
     * @param appsink the {@code GstAppSink*}; it must outlive this puller.
     */
    SamplePuller(final Pointer appsink)
    {
        GstCalls.bind();
        this.appsink = appsink;
    }

    /**
     * Blocks until the appsink has a sample, and renders it.
     *
     * @param renderer where the sample goes.
     * @return false when there is none: end of stream, or the appsink is flushing (stopped).
     */
    boolean pull(final SampleRenderer renderer)
    {
        final Pointer sample = GstCalls.App.gst_app_sink_pull_sample(appsink);
        if (sample == null)
        {
            return false;
        }
        try
        {
            caps(GstCalls.Core.gst_sample_get_caps(sample), renderer);
            final Pointer buffer = GstCalls.Core.gst_sample_get_buffer(sample);
            if (buffer != null)
            {
                render(buffer, renderer);
            }
        }
        finally
        {
            GstCalls.Core.gst_mini_object_unref(sample);
        }
        return true;
    }

    private void render(final Pointer buffer, final SampleRenderer renderer)
    {
        final int flags = buffer.getInt(GstCalls.BUFFER_FLAGS);
        final long pts = buffer.getLong(GstCalls.BUFFER_PTS);
        final long duration = buffer.getLong(GstCalls.BUFFER_DURATION);
        if (GstCalls.Core.gst_buffer_map(buffer, mapInfo, GstCalls.MAP_READ) == 0)
        {
            throw new IllegalStateException("gst_buffer_map failed: a buffer that cannot be read");
        }
        try
        {
            final long size = mapInfo.getLong(GstCalls.MAP_SIZE);
            final ByteBuffer bytes = size == 0 ? EMPTY : mapInfo.getPointer(GstCalls.MAP_DATA).getByteBuffer(0, size);
            renderer.buffer(bytes, flags, pts, duration);
        }
        finally
        {
            GstCalls.Core.gst_buffer_unmap(buffer, mapInfo);
        }
    }

    private void caps(final Pointer sampleCaps, final SampleRenderer renderer)
    {
        if (sampleCaps == null || sampleCaps.equals(caps))
        {
            return;
        }
        final Pointer text = GstCalls.Core.gst_caps_to_string(sampleCaps);
        try
        {
            renderer.caps(text.getString(0, StandardCharsets.UTF_8.name()));
        }
        finally
        {
            GstCalls.GLib.g_free(text);
        }
        GstCalls.Core.gst_mini_object_ref(sampleCaps);
        release();
        caps = sampleCaps;
    }

    private void release()
    {
        if (caps != null)
        {
            GstCalls.Core.gst_mini_object_unref(caps);
            caps = null;
        }
    }

    /** Releases the caps held. Producer thread, after the last {@link #pull}. */
    @Override
    public void close()
    {
        release();
    }
}
