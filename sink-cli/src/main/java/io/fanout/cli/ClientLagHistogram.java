package io.fanout.cli;

import io.fanout.sink.FilterResult;
import io.fanout.sink.MultiSocketSink;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

/**
 * {@code fanout_client_lag_bytes}: how far behind the newest buffer each connected client is, in
 * bytes, as a histogram taken at scrape time (one observation per client, read with the sink's
 * client filter on its selector thread). Buckets from 1 KiB to 64 MiB by powers of four.
 */
final class ClientLagHistogram implements Collector
{
    static final String NAME = "fanout_client_lag_bytes";
    private static final double[] BOUNDS = {
        1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, Double.POSITIVE_INFINITY};

    private final MultiSocketSink sink;

    ClientLagHistogram(final MultiSocketSink sink)
    {
        this.sink = sink;
    }

    @Override
    public MetricSnapshot collect()
    {
        final long[] counts = new long[BOUNDS.length];
        final double[] sum = new double[1];
        sink.clientFilter((channel, stats) ->
        {
            final long lag = stats.lagBytes();
            sum[0] += lag;
            int i = 0;
            while (lag > BOUNDS[i])
            {
                i++;
            }
            counts[i]++;
            return FilterResult.KEEP;
        });
        return HistogramSnapshot.builder()
            .name(NAME)
            .help("How far behind the newest buffer each client is, in bytes, at scrape time.")
            .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
                .sum(sum[0])
                .build())
            .build();
    }

    @Override
    public String getPrometheusName()
    {
        return NAME;
    }
}
