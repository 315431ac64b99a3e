package io.fanout.sink.format;

import io.fanout.sink.MultiSocketSink;

import java.nio.ByteBuffer;

/**
 * The producer side of a {@link MultiSocketSink} as a framer uses it: claim direct memory, read
 * into it, then commit or discard the oldest uncommitted bytes, and set the streamheader. What a
 * framer renders into: {@link #of} is the sink itself, {@link GdpPayloader} serves the stream as
 * GDP records, and tests use recording fakes without sockets. Every method has the contract of
 * the sink's method of the same name. Producer thread only.
 */
public interface ProducerPort
{
    /** @see MultiSocketSink#claim(int) */
    ByteBuffer claim(int minFree);

    /** @see MultiSocketSink#commit(int, int, long, long) */
    void commit(int length, int flags, long ptsNs, long durationNs);

    /** @see MultiSocketSink#discard(int) */
    void discard(int length);

    /** @see MultiSocketSink#uncommitted() */
    int uncommitted();

    /** @see MultiSocketSink#setStreamheader(ByteBuffer...) */
    void setStreamheader(ByteBuffer... headers);

    /**
     * @param sink the sink.
     * @return a port onto its producer methods.
     */
    static ProducerPort of(final MultiSocketSink sink)
    {
        return new SinkProducerPort(java.util.Objects.requireNonNull(sink, "sink"));
    }

    /** The real sink's producer methods (through {@link #of}). */
    record SinkProducerPort(MultiSocketSink sink) implements ProducerPort
    {
        @Override
        public ByteBuffer claim(final int minFree)
        {
            return sink.claim(minFree);
        }

        @Override
        public void commit(final int length, final int flags, final long ptsNs, final long durationNs)
        {
            sink.commit(length, flags, ptsNs, durationNs);
        }

        @Override
        public void discard(final int length)
        {
            sink.discard(length);
        }

        @Override
        public int uncommitted()
        {
            return sink.uncommitted();
        }

        @Override
        public void setStreamheader(final ByteBuffer... headers)
        {
            sink.setStreamheader(headers);
        }
    }
}
