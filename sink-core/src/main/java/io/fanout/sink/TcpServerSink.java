package io.fanout.sink;

import io.fanout.sink.internal.agent.AcceptHandler;
import io.fanout.sink.internal.agent.AcceptedConnections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

/**
 * A TCP server in front of a {@link MultiSocketSink}, as GStreamer's tcpserversink: listens,
 * accepts on the sink's selector thread, adds every connection with the configuration's sync
 * settings, and closes each accepted socket when its client is removed (after clientRemoved,
 * before clientSocketRemoved).
 * <p>
 * An accept that fails (too many open files, ...) is counted in {@link #acceptFailures()}, and
 * accepting goes on (docs/semantics.md A.2.10) after a pause of 50 ms, so that a process out of file
 * descriptors does not spin on a listening socket that stays acceptable; it is logged once per
 * burst of failures (at its start, and at its end with the count). With a client limit, a
 * connection over it is closed at once and counted in {@link #refusedClients()}; no callback runs
 * for it. An {@link #admission(Admission) admission rule} may refuse connections by address the
 * same way, and a {@link #handshake(Handshake) handshake} runs a request and answer before a
 * connection becomes a client.
 * <p>
 * Threads: {@link #start()} and {@link #close()} from any thread, once; the rest from any thread.
 */
public final class TcpServerSink implements AutoCloseable
{
    /** The default bind host: loopback only; binding a public address is an explicit choice. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default port, as tcpserversink's. */
    public static final int DEFAULT_PORT = 4953;
    /** How long accepting pauses after a failed accept (docs/semantics.md A.2.10): 50 ms. */
    public static final long ACCEPT_PAUSE_NS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);

    private static final Logger LOG = LoggerFactory.getLogger(TcpServerSink.class);
    private static final int BACKLOG = 1024;

    private final MultiSocketSink sink;
    private final InetSocketAddress bind;
    private final int maxClients;
    private final AtomicLongArray refusedByReason = new AtomicLongArray(Refusal.values().length);
    private final AtomicLong acceptFailures = new AtomicLong();
    private final Accept accept;
    private volatile Handshake handshake;
    private volatile Admission admission = Admission.ALL;
    private volatile RefusalListener refusalListener = (remote, reason) -> { };
    private volatile ServerSocketChannel server;

    /** How a connection is accepted: {@link ServerSocketChannel#accept()}; a seam for tests. */
    interface Accept
    {
        /**
         * @param server the listening channel, non-blocking.
         * @return the accepted channel, or null when none is pending.
         * @throws IOException when accepting failed.
         */
        SocketChannel accept(ServerSocketChannel server) throws IOException;
    }

    /**
     * Listens on 127.0.0.1:4953.
     *
     * @param config the sink's settings.
     */
    public TcpServerSink(final SinkConfig config)
    {
        this(config, new InetSocketAddress(DEFAULT_HOST, DEFAULT_PORT));
    }

    /**
     * @param config the sink's settings.
     * @param bind   the address to listen on; port 0 picks a free port ({@link #currentPort()}).
     */
    public TcpServerSink(final SinkConfig config, final InetSocketAddress bind)
    {
        this(config, bind, 0);
    }

    /**
     * @param config     the sink's settings.
     * @param bind       the address to listen on; port 0 picks a free port.
     * @param maxClients the most clients at once, 0 for no limit; a connection over it is closed at
     *                   once.
     * @throws IllegalArgumentException for a negative maxClients.
     */
    public TcpServerSink(final SinkConfig config, final InetSocketAddress bind, final int maxClients)
    {
        this(config, bind, maxClients, ServerSocketChannel::accept);
    }

    /** As the public constructor, with how connections are accepted (tests inject failures). */
    TcpServerSink(final SinkConfig config, final InetSocketAddress bind, final int maxClients, final Accept accept)
    {
        this.accept = Objects.requireNonNull(accept, "accept");
        if (maxClients < 0)
        {
            throw new IllegalArgumentException("maxClients = " + maxClients + " must be >= 0");
        }
        this.sink = new MultiSocketSink(config);
        this.bind = Objects.requireNonNull(bind, "bind");
        this.maxClients = maxClients;
    }

    /**
     * Binds and starts the sink. On failure nothing is left running and the sink is closed.
     *
     * @throws IOException           when the address cannot be bound (port in use, address not local, ...).
     * @throws IllegalStateException when already started, or after {@link #close()}.
     */
    public synchronized void start() throws IOException
    {
        if (server != null)
        {
            throw new IllegalStateException("already started");
        }
        final ServerSocketChannel channel = ServerSocketChannel.open();
        try
        {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            channel.bind(bind, BACKLOG);
            sink.start();
            sink.loop().registerAcceptor(channel, new Acceptor());
        }
        catch (final IOException | RuntimeException ex)
        {
            channel.close();
            sink.close();
            throw ex;
        }
        server = channel;
    }

    /**
     * Runs {@code handshake} on every accepted connection before it becomes a client (an HTTP
     * request and response, a token check): the hook for connection admission. Without one (the
     * default) every connection is added at once, as tcpserversink does.
     *
     * @param handshake the handshake, or null for none.
     * @return this
     * @throws IllegalStateException after {@link #start()}.
     */
    public synchronized TcpServerSink handshake(final Handshake handshake)
    {
        requireNotStarted("the handshake");
        if (handshake != null && (handshake.maxRequestBytes() < 1 || handshake.timeoutNs() <= 0))
        {
            throw new IllegalArgumentException("a handshake needs maxRequestBytes >= 1 and timeoutNs > 0");
        }
        this.handshake = handshake;
        return this;
    }

    /**
     * Decides, on the selector thread, whether each accepted connection may go on, before its
     * handshake (if any) and before anything is read from it; a refused one is closed at once and
     * counted under its {@link Refusal}, with no sink callback. The client limit is checked first.
     *
     * @param admission the rule; {@link Admission#ALL} (the default) admits everyone.
     * @return this
     * @throws IllegalStateException after {@link #start()}.
     * @throws NullPointerException  when {@code admission} is null.
     */
    public synchronized TcpServerSink admission(final Admission admission)
    {
        requireNotStarted("the admission rule");
        this.admission = Objects.requireNonNull(admission, "admission");
        return this;
    }

    /**
     * Hears of every refused connection, with its address and reason, on the selector thread.
     *
     * @param listener the listener.
     * @return this
     * @throws IllegalStateException after {@link #start()}.
     * @throws NullPointerException  when {@code listener} is null.
     */
    public synchronized TcpServerSink refusals(final RefusalListener listener)
    {
        requireNotStarted("the refusal listener");
        this.refusalListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    private void requireNotStarted(final String what)
    {
        if (server != null)
        {
            throw new IllegalStateException(what + " is set before start()");
        }
    }

    /** @return the bound port, or -1 before {@link #start()}. */
    public int currentPort()
    {
        final ServerSocketChannel s = server;
        return s == null ? -1 : s.socket().getLocalPort();
    }

    /** @return the address given to listen on (port 0 before {@link #start()} picks one). */
    InetSocketAddress bindAddress()
    {
        return bind;
    }

    /** @return the sink: render, streamheader, listeners, statistics. */
    public MultiSocketSink sink()
    {
        return sink;
    }

    /** Any thread: @return connections refused for any reason, closed at once with no callback. */
    public long refusedClients()
    {
        long total = 0;
        for (int i = 0; i < refusedByReason.length(); i++)
        {
            total += refusedByReason.get(i);
        }
        return total;
    }

    /**
     * Any thread.
     *
     * @param reason a reason.
     * @return connections refused for that reason.
     */
    public long refusedClients(final Refusal reason)
    {
        return refusedByReason.get(reason.ordinal());
    }

    /** Any thread: @return accepts that failed (each burst of them is logged once). */
    public long acceptFailures()
    {
        return acceptFailures.get();
    }

    /** Stops the sink (every client removed REMOVED and its socket closed), then stops listening. */
    @Override
    public void close()
    {
        sink.close();
        final ServerSocketChannel s = server;
        if (s != null)
        {
            try
            {
                s.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing the listening socket failed", ex);
            }
        }
    }

    private final class Acceptor implements AcceptHandler
    {
        private final ClientSync clientSync = ClientSync.defaults(sink.config());
        private final BiConsumer<SocketChannel, Refusal> countRefusal = (ch, reason) -> refused(remoteOf(ch), reason);

        /** A connection was refused: counted, and the listener hears of it. */
        private void refused(final InetSocketAddress remote, final Refusal reason)
        {
            refusedByReason.incrementAndGet(reason.ordinal());
            try
            {
                refusalListener.refused(remote, reason);
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("the refusal listener failed", ex);
            }
        }

        @Override
        public void onAcceptable(final ServerSocketChannel server, final AcceptedConnections connections)
            throws IOException
        {
            while (true)
            {
                final SocketChannel channel;
                try
                {
                    channel = accept.accept(server);
                }
                catch (final IOException ex)
                {
                    acceptFailures.incrementAndGet();
                    throw ex; // the loop pauses accepting and logs the burst (AcceptBackoff)
                }
                if (channel == null)
                {
                    return;
                }
                final InetSocketAddress remote = remoteOf(channel);
                final Refusal refusal = maxClients > 0 && connections.count() >= maxClients ? Refusal.MAX_CLIENTS :
                    remote == null ? null : admission.check(remote, connections.from(remote.getAddress()));
                final Handshake h = handshake;
                if (refusal != null)
                {
                    refused(remote, refusal);
                    if (h == null)
                    {
                        closeQuietly(channel);
                    }
                    else
                    {
                        // its request is read, then answered (an HTTP server's 503) and closed
                        connections.handshake(channel, h, clientSync, null, refusal, countRefusal);
                    }
                    continue;
                }
                final InetAddress address = remote == null ? null : remote.getAddress();
                try
                {
                    // the sink coalesces its own writes (one gathering write per client per round):
                    // Nagle would only hold a caught-up client's buffer back until the peer's
                    // delayed ACK, tens of milliseconds on loopback
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                }
                catch (final IOException | UnsupportedOperationException ex)
                {
                    LOG.debug("TCP_NODELAY not set on {}", channel, ex);
                }
                if (h == null)
                {
                    connections.add(channel, clientSync, address);
                }
                else
                {
                    connections.handshake(channel, h, clientSync, address, null, countRefusal);
                }
            }
        }

        /** @return the peer's address, or null when it is gone already (the sink finds out when it writes). */
        private InetSocketAddress remoteOf(final SocketChannel channel)
        {
            try
            {
                return (InetSocketAddress)channel.getRemoteAddress();
            }
            catch (final IOException ex)
            {
                return null;
            }
        }

        private void closeQuietly(final SocketChannel channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing a refused connection failed", ex);
            }
        }
    }
}
