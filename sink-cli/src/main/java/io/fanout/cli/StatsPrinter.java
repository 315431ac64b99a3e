package io.fanout.cli;

import io.fanout.cli.input.PacedChannel;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.Refusal;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkStats;

import java.io.PrintStream;

import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code --stats-interval}: one summary line on stderr per interval, for example
 * <pre>sink-cli: stats clients=3 in=562.5KB/s out=1.6MB/s queued=12 buffers/1.1MB lagging=0 refused=2 (max_clients=0 max_clients_per_ip=1 denied=1 unauthorized=0) accept-failures=0 removed closed=1 slow=0 error=0 removed=0 flushing=0</pre>
 * Rates are bytes per second over the interval (KB = 1000 bytes). Runs on its own daemon thread.
 */
final class StatsPrinter implements AutoCloseable
{
    private final MultiSocketSink sink;
    private final FrontEnd frontEnd;
    private final PrintStream err;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r ->
    {
        final Thread t = new Thread(r, "sink-cli-stats");
        t.setDaemon(true);
        return t;
    });
    private final Supplier<PacedChannel> pacing;
    private long lastIn;
    private long lastOut;
    private long lastNs;

    /**
     * @param frontEnd the server.
     * @param err      where the line goes.
     * @param pacing   the input's pacing once the input is open (null until then, or when not
     *                 paced): its lateness joins the line.
     */
    StatsPrinter(final FrontEnd frontEnd, final PrintStream err, final Supplier<PacedChannel> pacing)
    {
        this.frontEnd = frontEnd;
        this.sink = frontEnd.sink();
        this.err = err;
        this.pacing = pacing;
    }

    void start(final long intervalNs)
    {
        lastNs = System.nanoTime();
        timer.scheduleAtFixedRate(this::print, intervalNs, intervalNs, TimeUnit.NANOSECONDS);
    }

    private void print()
    {
        final SinkStats s = sink.stats();
        final long now = System.nanoTime();
        final double seconds = Math.max(1e-9, (now - lastNs) / 1e9);
        final String line = String.format(Locale.ROOT,
            "sink-cli: stats clients=%d in=%s/s out=%s/s queued=%d buffers/%s lagging=%d refused=%d " +
            "(max_clients=%d max_clients_per_ip=%d denied=%d unauthorized=%d) accept-failures=%d " +
            "removed closed=%d slow=%d error=%d removed=%d flushing=%d",
            s.numHandles(), human((s.bytesToServe() - lastIn) / seconds), human((s.bytesServed() - lastOut) / seconds),
            s.buffersQueued(), human(s.bytesQueued()), s.clientsLagging(), frontEnd.refused(),
            frontEnd.refused(Refusal.MAX_CLIENTS), frontEnd.refused(Refusal.MAX_CLIENTS_PER_IP),
            frontEnd.refused(Refusal.DENIED), frontEnd.refused(Refusal.UNAUTHORIZED), frontEnd.acceptFailures(),
            s.removed(ClientStatus.CLOSED), s.removed(ClientStatus.SLOW), s.removed(ClientStatus.ERROR),
            s.removed(ClientStatus.REMOVED), s.removed(ClientStatus.FLUSHING));
        final StringBuilder more = new StringBuilder();
        final PacedChannel pace = pacing.get();
        if (pace != null)
        {
            more.append(String.format(Locale.ROOT, " pace-late=%dms (max %dms, reanchors=%d)",
                TimeUnit.NANOSECONDS.toMillis(pace.lateNs()), TimeUnit.NANOSECONDS.toMillis(pace.takeMaxLateNs()),
                pace.reanchors()));
        }
        if (sink.config().backpressure())
        {
            more.append(String.format(Locale.ROOT, " producer-waits=%d (%dms)", s.producerWaits(),
                TimeUnit.NANOSECONDS.toMillis(s.producerWaitNs())));
        }
        lastIn = s.bytesToServe();
        lastOut = s.bytesServed();
        lastNs = now;
        err.println(line + more);
    }

    static String human(final double bytes)
    {
        if (bytes < 1000)
        {
            return String.format(Locale.ROOT, "%.0fB", bytes);
        }
        if (bytes < 1e6)
        {
            return String.format(Locale.ROOT, "%.1fKB", bytes / 1e3);
        }
        if (bytes < 1e9)
        {
            return String.format(Locale.ROOT, "%.1fMB", bytes / 1e6);
        }
        return String.format(Locale.ROOT, "%.2fGB", bytes / 1e9);
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
    }
}
