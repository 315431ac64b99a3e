/**
 * fanout's sink: a TCP fan-out sink for live streams, the Java counterpart of GStreamer's
 * multisocketsink and tcpserversink.
 * <p>
 * Exports the public API only: {@code io.fanout.sink} (the sinks, their configuration, callbacks
 * and statistics) and {@code io.fanout.sink.format} (input framers). Everything under
 * {@code io.fanout.sink.internal} (the ring, the selector agent, the sync and lag policy
 * functions) is sealed: its public types are public only so that the packages of this module can
 * reach each other. See docs/design.md.
 */
module io.fanout.sink
{
    requires transitive org.agrona; // SinkConfig takes an Agrona IdleStrategy
    requires org.jctools.core;
    requires org.slf4j;

    exports io.fanout.sink;
    exports io.fanout.sink.format;
}
