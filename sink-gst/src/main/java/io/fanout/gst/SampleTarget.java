package io.fanout.gst;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.format.ProducerPort;

import java.nio.ByteBuffer;

/**
 * The producer calls a {@link SampleRenderer} makes: a {@link MultiSocketSink} in use, a recording
 * fake in tests (so that flag and streamheader rules are tested without GStreamer).
 */
interface SampleTarget
{
    /**
     * Copies {@code data} (position to limit) into the sink as one buffer: the bytes are
     * GStreamer's, mapped only while the sample is held, so the sink must not keep a reference
     * (which {@link MultiSocketSink#render} does with direct memory).
     *
     * @see MultiSocketSink#claim(int)
     * @see MultiSocketSink#commit(int, int, long, long)
     */
    void copy(ByteBuffer data, int flags, long ptsNs, long durationNs);

    /** @see MultiSocketSink#setStreamheader(ByteBuffer...) */
    void setStreamheader(ByteBuffer... headers);

    /**
     * @param port the sink, or what stands in front of it.
     * @return a target that copies into claimed memory and commits.
     */
    static SampleTarget of(final ProducerPort port)
    {
        return new SampleTarget()
        {
            @Override
            public void copy(final ByteBuffer data, final int flags, final long ptsNs, final long durationNs)
            {
                final int length = data.remaining();
                port.claim(length).put(data);
                port.commit(length, flags, ptsNs, durationNs);
            }

            @Override
            public void setStreamheader(final ByteBuffer... headers)
            {
                port.setStreamheader(headers);
            }
        };
    }
}
