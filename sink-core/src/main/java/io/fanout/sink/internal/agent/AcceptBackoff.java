package io.fanout.sink.internal.agent;

import io.fanout.sink.TcpServerSink;
import org.slf4j.Logger;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * Failed accepts without a busy loop (docs/semantics.md A.2.10). When {@code accept()} fails (too many
 * open files, no memory for socket buffers, ...) the connection stays in the listen backlog and
 * the listening key stays acceptable, so a selector loop would retry, fail and log at full speed
 * until descriptors free up. Instead, after a failure the key stops asking for OP_ACCEPT for
 * {@link #PAUSE_NS}, then asks again: accepting resumes by itself once the cause is gone, and the
 * backlog waits meanwhile.
 * <p>
 * Logging is once per burst (failures with no successful accept round between them): the first
 * failure at WARN with its cause, and the end of the burst with how many accepts failed over how
 * long. Counting every failure is the caller's.
 * <p>
 * One instance per listening key ({@link Acceptors}); selector thread only, for TCP and HTTP alike.
 */
final class AcceptBackoff
{
    /** How long accepting pauses after a failure: 50 ms. */
    static final long PAUSE_NS = TcpServerSink.ACCEPT_PAUSE_NS;

    private final Logger log;
    private final String what;
    private long burstFailures;
    private long burstStartNs;
    private long resumeAtNs;
    private boolean paused;

    /**
     * @param log    where the burst is reported.
     * @param scheme names the listener in the log with its address, for example {@code "tcp"}.
     * @param server the bound listening channel.
     * @throws IOException when its address cannot be read.
     */
    AcceptBackoff(final Logger log, final String scheme, final ServerSocketChannel server) throws IOException
    {
        final InetSocketAddress address = (InetSocketAddress)server.getLocalAddress();
        this.log = log;
        this.what = scheme + "://" + address.getHostString() + ":" + address.getPort();
    }

    /**
     * An accept failed: stop OP_ACCEPT interest on {@code key} for {@link #PAUSE_NS}.
     *
     * @param key   the listening key.
     * @param ex    the failure.
     * @param nowNs the monotonic clock.
     */
    void failed(final SelectionKey key, final IOException ex, final long nowNs)
    {
        if (burstFailures++ == 0)
        {
            burstStartNs = nowNs;
            log.warn("{}: accept failed: {}; pausing accepts for {} ms at a time until one succeeds", what,
                ex.toString(), TimeUnit.NANOSECONDS.toMillis(PAUSE_NS));
        }
        paused = true;
        resumeAtNs = nowNs + PAUSE_NS;
        setInterest(key, 0);
    }

    /**
     * An accept round ended without failing (the backlog is empty): ends a burst of failures.
     *
     * @param nowNs the monotonic clock.
     */
    void succeeded(final long nowNs)
    {
        if (burstFailures > 0)
        {
            log.warn("{}: accepting again after {} failed accepts over {} ms", what, burstFailures,
                TimeUnit.NANOSECONDS.toMillis(nowNs - burstStartNs));
            burstFailures = 0;
        }
    }

    /**
     * Call on every turn of the selector loop while {@link #paused()}: asks for OP_ACCEPT again
     * once the pause is over.
     *
     * @param key   the listening key.
     * @param nowNs the monotonic clock.
     * @return ns until the pause ends, 0 when it just ended (or there was none).
     */
    long tick(final SelectionKey key, final long nowNs)
    {
        if (!paused)
        {
            return 0;
        }
        final long left = resumeAtNs - nowNs;
        if (left > 0)
        {
            return left;
        }
        paused = false;
        setInterest(key, SelectionKey.OP_ACCEPT);
        return 0;
    }

    /** @return true while accepting is paused. */
    boolean paused()
    {
        return paused;
    }

    private static void setInterest(final SelectionKey key, final int ops)
    {
        try
        {
            key.interestOps(ops);
        }
        catch (final CancelledKeyException ex)
        {
            // the listening channel was closed: nothing to pause or resume
        }
    }
}
