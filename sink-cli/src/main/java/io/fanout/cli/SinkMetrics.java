package io.fanout.cli;

import io.fanout.cli.input.PacedChannel;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.Refusal;
import io.fanout.sink.SinkStats;
import io.fanout.sink.format.Framer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The sink's series for Prometheus, read at scrape time through callbacks (Prometheus' Java
 * client; names in base units, {@code _total} on counters), plus the JVM's own metrics. One
 * statistics snapshot serves every series of a scrape. Callbacks run on the scraping thread.
 */
final class SinkMetrics
{
    /** A snapshot younger than this serves the next callback too: one scrape asks the sink once. */
    private static final long SNAPSHOT_TTL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final MultiSocketSink sink;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private SinkStats snapshot;
    private long snapshotNs;

    /**
     * @param frontEnd the server, for its refusal and accept-failure counts.
     * @param framer   the input framer, for buffers rendered and input errors.
     * @param pacing   the input's pacing once the input is open (null until then, or when not paced).
     * @param upstream the relay's upstreams once the input is open (null until then, or when not relaying).
     */
    SinkMetrics(final FrontEnd frontEnd, final Framer framer, final Supplier<PacedChannel> pacing,
        final Supplier<UpstreamChannel> upstream)
    {
        this.sink = frontEnd.sink();
        gauge("fanout_clients", "Clients connected.", () -> stats().numHandles());
        gauge("fanout_clients_lagging", "Clients with data pending that their socket did not take yet.",
            () -> stats().clientsLagging());
        gauge("fanout_queue_bytes", "Bytes in the retained window.", () -> stats().bytesQueued());
        gauge("fanout_queue_buffers", "Buffers in the retained window.", () -> stats().buffersQueued());
        counter("fanout_input_bytes", "Bytes rendered into the sink.", () -> stats().bytesToServe());
        counter("fanout_input_buffers", "Buffers rendered into the sink.", () -> stats().buffersRendered());
        counter("fanout_output_bytes", "Bytes written to clients, streamheaders included.",
            () -> stats().bytesServed());
        counter("fanout_buffers_dropped", "Buffers skipped by recover policies, over every client.",
            () -> stats().buffersDropped());
        counter("fanout_producer_waits", "Buffers whose render waited for a client (--backpressure).",
            () -> stats().producerWaits());
        counter("fanout_producer_wait_seconds", "Time the input spent waiting for clients (--backpressure).",
            () -> stats().producerWaitNs() / 1e9);
        gauge("fanout_input_pace_late_seconds", "How late the --pace pacer handed on the last chunk (0 unpaced).",
            () ->
            {
                final PacedChannel paced = pacing.get();
                return paced == null ? 0 : paced.lateNs() / 1e9;
            });
        counter("fanout_upstream_connects", "Connections made to an upstream sink (--source tcp://).", () ->
        {
            final UpstreamChannel channel = upstream.get();
            return channel == null ? 0 : channel.connects();
        });
        CounterWithCallback.builder().name("fanout_upstream_switches")
            .help("Times the relay left its upstream for the next one of --source, by reason.")
            .labelNames("reason")
            .callback(cb ->
            {
                final UpstreamChannel channel = upstream.get();
                for (final UpstreamChannel.Reason reason : UpstreamChannel.Reason.values())
                {
                    cb.call(channel == null ? 0 : channel.switches(reason), reason.label());
                }
            })
            .register(registry);
        counter("fanout_accept_failures", "Accepts that failed (out of file descriptors, ...).",
            frontEnd::acceptFailures);
        CounterWithCallback.builder().name("fanout_client_removals").help("Clients removed, by status.")
            .labelNames("status")
            .callback(cb ->
            {
                final SinkStats s = stats();
                for (final ClientStatus status : ClientStatus.values())
                {
                    if (status != ClientStatus.OK)
                    {
                        cb.call(s.removed(status), status.name().toLowerCase(Locale.ROOT));
                    }
                }
            })
            .register(registry);
        CounterWithCallback.builder().name("fanout_connections_refused").help("Connections refused, by reason.")
            .labelNames("reason")
            .callback(cb ->
            {
                for (final Refusal reason : Refusal.values())
                {
                    cb.call(frontEnd.refused(reason), reason.label());
                }
            })
            .register(registry);
        CounterWithCallback.builder().name("fanout_input_errors").help("Bad input met by the input framer, by kind.")
            .labelNames("kind")
            .callback(cb ->
            {
                for (final Map.Entry<String, Long> kind : InputErrors.of(framer).entrySet())
                {
                    cb.call(kind.getValue(), kind.getKey());
                }
            })
            .register(registry);
        registry.register(new ClientLagHistogram(sink));
        JvmMetrics.builder().register(registry);
    }

    /** @return the registry every series is in. */
    PrometheusRegistry registry()
    {
        return registry;
    }

    private synchronized SinkStats stats()
    {
        final long now = System.nanoTime();
        if (snapshot == null || now - snapshotNs > SNAPSHOT_TTL_NS)
        {
            snapshot = sink.stats();
            snapshotNs = now;
        }
        return snapshot;
    }

    private void gauge(final String name, final String help, final java.util.function.DoubleSupplier value)
    {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble())).register(registry);
    }

    private void counter(final String name, final String help, final java.util.function.DoubleSupplier value)
    {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble()))
            .register(registry);
    }
}
