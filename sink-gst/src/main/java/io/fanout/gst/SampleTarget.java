package io.fanout.gst;

import io.fanout.sink.MultiSocketSink;

import java.nio.ByteBuffer;

/**
 * The producer calls a {@link SampleRenderer} makes: a {@link MultiSocketSink} in use, a recording
 * fake in tests (so that flag and streamheader rules are tested without GStreamer).
 */
interface SampleTarget
{
    /** @see MultiSocketSink#render(ByteBuffer, int, long, long) */
    void render(ByteBuffer data, int flags, long ptsNs, long durationNs);

    /** @see MultiSocketSink#setStreamheader(ByteBuffer...) */
    void setStreamheader(ByteBuffer... headers);

    /**
     * @param sink the sink.
     * @return a target that calls it.
     */
    static SampleTarget of(final MultiSocketSink sink)
    {
        return new SampleTarget()
        {
            @Override
            public void render(final ByteBuffer data, final int flags, final long ptsNs, final long durationNs)
            {
                sink.render(data, flags, ptsNs, durationNs);
            }

            @Override
            public void setStreamheader(final ByteBuffer... headers)
            {
                sink.setStreamheader(headers);
            }
        };
    }
}
