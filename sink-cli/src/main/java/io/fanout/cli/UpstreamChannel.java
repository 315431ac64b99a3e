package io.fanout.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code --source tcp://a:port[,tcp://b:port...]}: the input read from upstream sinks instead of
 * standard input, so that sinks chain into a fan-out tree, with failover (docs/design.md, "Inputs").
 * <p>
 * It reads from the first upstream of the list that answers. When that one closes, fails, or
 * sends nothing for the silence timeout ({@code --source-timeout}), it moves to the next one
 * (after the last, the first again), reports the switch on stderr, counts it by reason, and calls
 * {@code onSwitch} before the first byte of the next connection, so that the framer drops any
 * partial unit. When every upstream of the list refused in a row it waits with exponential
 * backoff ({@link #MIN_BACKOFF_NS} doubling to {@link #MAX_BACKOFF_NS}) before the next round.
 * It never reports end of input by itself (the CLI ends on a signal). Connects are bounded by
 * the silence timeout too (at most {@link #MAX_CONNECT_NS}).
 * <p>
 * Reads block (a selector waits for data, so the read itself stays zero-copy into the caller's
 * buffer); {@link #close()} from any thread ends them with {@link AsynchronousCloseException}.
 * Read by one thread; the counters are any thread's.
 */
final class UpstreamChannel implements ReadableByteChannel
{
    static final long MIN_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF_NS = TimeUnit.SECONDS.toNanos(5);
    static final long MAX_CONNECT_NS = TimeUnit.SECONDS.toNanos(5);
    /** The default of {@code --source-timeout}: 5 s. */
    static final long DEFAULT_SILENCE_NS = TimeUnit.SECONDS.toNanos(5);

    /** Why the channel left an upstream. */
    enum Reason
    {
        /** The upstream closed the connection. */
        CLOSED,
        /** Reading failed (reset, unreachable). */
        FAILED,
        /** Nothing arrived for the silence timeout. */
        SILENT;

        String label()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final List<InetSocketAddress> upstreams;
    private final long silenceNs;
    private final Runnable onSwitch;
    private final PrintStream err;
    private final Selector selector;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile SocketChannel channel;
    private volatile boolean open = true;
    private int index;
    private int refusedInARow;
    private long backoffNs = MIN_BACKOFF_NS;
    private volatile long connects;
    private final java.util.concurrent.atomic.AtomicLongArray switches = new java.util.concurrent.atomic.AtomicLongArray(Reason.values().length);

    /**
     * @param upstreams the upstream sinks in order of preference, at least one.
     * @param silenceNs how long a connected upstream may send nothing before the next one is tried, &gt; 0.
     * @param onSwitch  called on the reading thread before reading from another connection (the framer's reset).
     * @param err       where switches are reported, one line each.
     * @throws IOException when no selector can be opened.
     */
    UpstreamChannel(final List<InetSocketAddress> upstreams, final long silenceNs, final Runnable onSwitch,
        final PrintStream err) throws IOException
    {
        if (upstreams.isEmpty() || silenceNs <= 0)
        {
            throw new IllegalArgumentException("upstreams " + upstreams + ", silence " + silenceNs + " ns");
        }
        this.upstreams = List.copyOf(upstreams);
        this.silenceNs = silenceNs;
        this.onSwitch = onSwitch;
        this.err = err;
        this.selector = Selector.open();
    }

    /**
     * @param uris {@code tcp://host:port}, or several separated by commas.
     * @return the addresses in order.
     * @throws IllegalArgumentException for anything else.
     */
    static List<InetSocketAddress> parseList(final String uris)
    {
        final List<InetSocketAddress> addresses = new ArrayList<>();
        for (final String uri : uris.split(",", -1))
        {
            addresses.add(parse(uri.strip()));
        }
        return addresses;
    }

    /**
     * @param uri {@code tcp://host:port}.
     * @return the address.
     * @throws IllegalArgumentException for anything else.
     */
    static InetSocketAddress parse(final String uri)
    {
        final URI parsed;
        try
        {
            parsed = new URI(uri);
        }
        catch (final java.net.URISyntaxException ex)
        {
            throw new IllegalArgumentException("'" + uri + "' is not tcp://host:port");
        }
        if (!"tcp".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() < 1 ||
            parsed.getPort() > 65535 || (parsed.getPath() != null && !parsed.getPath().isEmpty()))
        {
            throw new IllegalArgumentException("'" + uri + "' is not tcp://host:port");
        }
        return new InetSocketAddress(parsed.getHost(), parsed.getPort());
    }

    /** @return successful connections so far (any thread). */
    long connects()
    {
        return connects;
    }

    /**
     * @param reason a reason.
     * @return times the channel left an upstream for that reason (any thread; a recent value).
     */
    long switches(final Reason reason)
    {
        return switches.get(reason.ordinal());
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        while (open)
        {
            final SocketChannel current = channel;
            if (current == null)
            {
                connect();
                continue;
            }
            try
            {
                final int n = current.read(dst);
                if (n > 0 || !dst.hasRemaining())
                {
                    return n;
                }
                if (n < 0)
                {
                    leave(Reason.CLOSED, "closed");
                    continue;
                }
                final long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(silenceNs));
                final int ready = selector.select(waitMs); // close() wakes it
                selector.selectedKeys().clear();
                if (!open)
                {
                    break;
                }
                if (ready == 0)
                {
                    final int late = current.read(dst); // what came after the wait ended, if anything
                    if (late > 0)
                    {
                        return late;
                    }
                    leave(late < 0 ? Reason.CLOSED : Reason.SILENT, late < 0 ? "closed" : "sent nothing for " + waitMs + " ms");
                }
            }
            catch (final java.nio.channels.ClosedSelectorException ex)
            {
                break; // close()
            }
            catch (final IOException ex)
            {
                if (!open)
                {
                    break;
                }
                leave(Reason.FAILED, "failed (" + ex.getMessage() + ")");
            }
        }
        throw new AsynchronousCloseException();
    }

    /** The reading thread: closes the connection and moves to the next upstream. */
    private void leave(final Reason reason, final String what)
    {
        final InetSocketAddress left = upstreams.get(index);
        closeChannel();
        switches.incrementAndGet(reason.ordinal());
        index = (index + 1) % upstreams.size();
        err.println("sink-cli: upstream " + uri(left) + " " + what + "; " +
            (upstreams.size() == 1 ? "reconnecting" : "switching to " + uri(upstreams.get(index))));
        onSwitch.run();
    }

    private void connect() throws IOException
    {
        final InetSocketAddress address = upstreams.get(index);
        final SocketChannel attempt = SocketChannel.open();
        channel = attempt; // close() can end the connect
        try
        {
            attempt.socket().connect(address, (int)Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(silenceNs, MAX_CONNECT_NS))));
            attempt.configureBlocking(false);
            attempt.register(selector, SelectionKey.OP_READ); // ClosedSelectorException after close(): ends the read
            connects++;
            refusedInARow = 0;
            backoffNs = MIN_BACKOFF_NS;
            err.println("sink-cli: reading from upstream " + uri(address));
            return;
        }
        catch (final IOException ex)
        {
            closeChannel();
            if (!open)
            {
                throw new AsynchronousCloseException();
            }
        }
        index = (index + 1) % upstreams.size();
        if (++refusedInARow % upstreams.size() == 0)
        {
            backOff(); // every upstream refused in a row: wait before the next round
        }
    }

    private void backOff() throws IOException
    {
        try
        {
            if (closed.await(backoffNs, TimeUnit.NANOSECONDS)) // close() ends the wait at once
            {
                throw new AsynchronousCloseException();
            }
        }
        catch (final InterruptedException interrupted)
        {
            Thread.currentThread().interrupt();
            throw new ClosedByInterruptException();
        }
        backoffNs = Math.min(MAX_BACKOFF_NS, backoffNs * 2);
    }

    private void closeChannel()
    {
        final SocketChannel current = channel;
        channel = null;
        if (current != null)
        {
            try
            {
                current.close(); // also cancels its key; the next select flushes it
                if (selector.isOpen())
                {
                    selector.selectNow();
                }
            }
            catch (final IOException ex)
            {
                // moving on anyway
            }
        }
    }

    private static String uri(final InetSocketAddress address)
    {
        return "tcp://" + address.getHostString() + ":" + address.getPort();
    }

    @Override
    public boolean isOpen()
    {
        return open;
    }

    @Override
    public void close()
    {
        open = false;
        closed.countDown();
        try
        {
            selector.close(); // wakes a select in progress
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
        final SocketChannel current = channel;
        if (current != null)
        {
            try
            {
                current.close(); // ends a connect in progress
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
        }
    }
}
