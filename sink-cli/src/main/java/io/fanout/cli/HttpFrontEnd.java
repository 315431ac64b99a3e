package io.fanout.cli;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkListener;
import io.fanout.sink.internal.agent.AcceptBackoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code --http}: clients are players that speak HTTP ({@code ffplay http://host:port/}, VLC,
 * {@code curl}). Each connection's request head is read on this front end's own thread, bounded
 * in size ({@link #MAX_HEAD_BYTES}) and time ({@link #HEAD_TIMEOUT_NS}); a GET (or HEAD) is
 * answered {@code HTTP/1.0 200 OK} with the format's Content-Type and the socket is handed to the
 * sink, which streams to it; a malformed, oversized or too slow request gets 400 and a non-GET
 * 405, and the connection is closed. The sink never closes a socket it was handed: this front end
 * closes each in clientSocketRemoved. An accept that fails (too many open files) is counted and
 * accepting pauses for 50 ms before it is retried ({@link AcceptBackoff}, logged once per burst),
 * as in TcpServerSink.
 */
final class HttpFrontEnd implements FrontEnd
{
    /** Largest request head accepted: 8 KiB. */
    static final int MAX_HEAD_BYTES = 8 * 1024;
    /** Longest time a client may take to send its request head: 5 s. */
    static final long HEAD_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    private static final Logger LOG = LoggerFactory.getLogger(HttpFrontEnd.class);

    private final MultiSocketSink sink;
    private final InetSocketAddress bind;
    private final int maxClients;
    private final String contentType;
    private final long headTimeoutNs;
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong badRequests = new AtomicLong();
    private final AtomicLong acceptFailures = new AtomicLong();
    private final List<Pending> pending = new ArrayList<>();
    private ServerSocketChannel server;
    private Selector selector;
    private SelectionKey serverKey;
    private AcceptBackoff backoff;
    private Thread thread;
    private volatile boolean running;

    HttpFrontEnd(
        final SinkConfig config,
        final InetSocketAddress bind,
        final int maxClients,
        final String contentType,
        final long headTimeoutNs)
    {
        this.sink = new MultiSocketSink(config);
        this.bind = bind;
        this.maxClients = maxClients;
        this.contentType = contentType;
        this.headTimeoutNs = headTimeoutNs;
        sink.addListener(new SinkListener()
        {
            @Override
            public void clientSocketRemoved(final SocketChannel channel)
            {
                clients.decrementAndGet();
                closeQuietly(channel);
            }

            @Override
            public void clientRemoved(final SocketChannel channel, final ClientStatus status)
            {
                if (status == ClientStatus.DUPLICATE)
                {
                    clients.incrementAndGet(); // no socket-removed follows a refused duplicate
                }
            }
        });
    }

    @Override
    public void start() throws IOException
    {
        server = ServerSocketChannel.open();
        try
        {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(bind, 1024);
            server.configureBlocking(false);
            selector = Selector.open();
            serverKey = server.register(selector, SelectionKey.OP_ACCEPT);
            backoff = new AcceptBackoff(LOG, "http", server);
        }
        catch (final IOException ex)
        {
            closeQuietly(server);
            sink.close();
            throw ex;
        }
        sink.start();
        running = true;
        thread = new Thread(this::run, "fanout-http");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public MultiSocketSink sink()
    {
        return sink;
    }

    @Override
    public int port()
    {
        return server == null ? -1 : server.socket().getLocalPort();
    }

    @Override
    public long refused()
    {
        return refused.get();
    }

    @Override
    public long acceptFailures()
    {
        return acceptFailures.get();
    }

    /** @return requests answered 400 or 405. */
    long badRequests()
    {
        return badRequests.get();
    }

    @Override
    public void close()
    {
        running = false;
        if (selector != null)
        {
            selector.wakeup();
        }
        if (thread != null)
        {
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        sink.close();
        closeQuietly(server);
    }

    private void run()
    {
        try
        {
            while (running)
            {
                final boolean wasPaused = backoff.paused();
                final long pausedNs = backoff.tick(serverKey, System.nanoTime());
                if (wasPaused && !backoff.paused())
                {
                    accept(); // ends the burst when the backlog is empty, even with no new connection
                }
                selector.select(key ->
                {
                    if (key.isAcceptable())
                    {
                        accept();
                    }
                    else if (key.isReadable())
                    {
                        read((Pending)key.attachment());
                    }
                }, pausedNs > 0 ? Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(pausedNs) + 1)) : 100);
                expire();
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.error("the HTTP front end stopped", ex);
        }
        finally
        {
            for (final Pending p : pending)
            {
                closeQuietly(p.channel);
            }
            pending.clear();
            try
            {
                selector.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing the selector failed", ex);
            }
        }
    }

    private void accept()
    {
        while (true)
        {
            final SocketChannel channel;
            try
            {
                channel = server.accept();
            }
            catch (final IOException ex)
            {
                acceptFailures.incrementAndGet();
                backoff.failed(serverKey, ex, System.nanoTime()); // pauses, logs once per burst
                return;
            }
            if (channel == null)
            {
                backoff.succeeded(System.nanoTime());
                return;
            }
            if (maxClients > 0 && clients.get() + pending.size() >= maxClients)
            {
                refused.incrementAndGet();
                closeQuietly(channel);
                continue;
            }
            try
            {
                channel.configureBlocking(false);
                final Pending p = new Pending(channel, System.nanoTime() + headTimeoutNs);
                p.key = channel.register(selector, SelectionKey.OP_READ, p);
                pending.add(p);
            }
            catch (final IOException ex)
            {
                closeQuietly(channel);
            }
        }
    }

    private void read(final Pending p)
    {
        try
        {
            final int n = p.channel.read(p.head);
            final int end = headEnd(p.head);
            if (end >= 0)
            {
                answer(p, end);
            }
            else if (n < 0)
            {
                finish(p, null); // closed before a whole request: nothing to answer
            }
            else if (!p.head.hasRemaining())
            {
                finish(p, "400 Bad Request"); // oversized head
            }
        }
        catch (final IOException ex)
        {
            finish(p, null);
        }
    }

    private void answer(final Pending p, final int end)
    {
        final String head = new String(p.head.array(), 0, end, StandardCharsets.ISO_8859_1);
        final String requestLine = head.split("\r?\n", 2)[0];
        final String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/") || parts[1].isEmpty())
        {
            finish(p, "400 Bad Request");
            return;
        }
        final boolean get = "GET".equals(parts[0]);
        if (!get && !"HEAD".equals(parts[0]))
        {
            finish(p, "405 Method Not Allowed");
            return;
        }
        final String response = "HTTP/1.0 200 OK\r\nContent-Type: " + contentType +
            "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
        pending.remove(p);
        p.key.cancel();
        try
        {
            final ByteBuffer bytes = ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1));
            p.channel.write(bytes);
            if (bytes.hasRemaining() || !get)
            {
                closeQuietly(p.channel);
                return;
            }
            clients.incrementAndGet();
            sink.add(p.channel);
        }
        catch (final IOException | IllegalStateException ex)
        {
            closeQuietly(p.channel);
        }
    }

    private void expire()
    {
        final long now = System.nanoTime();
        for (int i = pending.size() - 1; i >= 0; i--)
        {
            final Pending p = pending.get(i);
            if (now - p.deadlineNs > 0)
            {
                finish(p, "400 Bad Request"); // too slow: slowloris
            }
        }
    }

    private void finish(final Pending p, final String status)
    {
        pending.remove(p);
        p.key.cancel();
        if (status != null)
        {
            badRequests.incrementAndGet();
            final String response = "HTTP/1.0 " + status + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            try
            {
                p.channel.write(ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1)));
            }
            catch (final IOException ex)
            {
                LOG.debug("answering {} failed", status, ex);
            }
        }
        closeQuietly(p.channel);
    }

    /** @return the length of the request head through its blank line, or -1 if not complete yet. */
    static int headEnd(final ByteBuffer head)
    {
        final byte[] b = head.array();
        for (int i = 0; i < head.position(); i++)
        {
            if (b[i] == '\n')
            {
                if (i + 1 < head.position() && b[i + 1] == '\n')
                {
                    return i + 2;
                }
                if (i + 2 < head.position() && b[i + 1] == '\r' && b[i + 2] == '\n')
                {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    private static void closeQuietly(final java.nio.channels.Channel channel)
    {
        if (channel == null)
        {
            return;
        }
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            LOG.debug("close failed", ex);
        }
    }

    private static final class Pending
    {
        final SocketChannel channel;
        final long deadlineNs;
        final ByteBuffer head = ByteBuffer.allocate(MAX_HEAD_BYTES);
        SelectionKey key;

        Pending(final SocketChannel channel, final long deadlineNs)
        {
            this.channel = channel;
            this.deadlineNs = deadlineNs;
        }
    }
}
