package io.fanout.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.fanout.sink.FilterResult;
import io.fanout.sink.MultiSocketSink;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code --admin HOST:PORT}: the operator's HTTP port, separate from the stream port.
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text exposition ({@link SinkMetrics}), by Prometheus'
 *       own handler;</li>
 *   <li>{@code GET /healthz}: 200 while the process serves;</li>
 *   <li>{@code GET /readyz}: 200 when the stream port listens and input arrived within
 *       {@code --ready-timeout}, else 503 with a one-line reason (for load balancers);</li>
 *   <li>{@code GET /clients}: a JSON array, one object per connected client.</li>
 * </ul>
 * Requests are served one at a time on a daemon thread of its own (the JDK's HTTP server); the
 * sink is asked through its any-thread calls.
 */
final class AdminServer implements AutoCloseable
{
    private static final JsonFactory JSON = new JsonFactory();

    private final HttpServer server;
    private final ExecutorService executor;
    private final FrontEnd frontEnd;
    private final InputActivity input;
    private final long readyTimeoutNs;
    private final Function<java.nio.channels.SocketChannel, String> pathOf;

    /**
     * @param bind           where to listen.
     * @param frontEnd       the stream server.
     * @param metrics        the series to expose.
     * @param input          when input last arrived.
     * @param readyTimeoutNs how recent input must be for {@code /readyz}, in ns.
     * @param pathOf         an HTTP client's request path, or null (TCP clients).
     * @throws IOException when the address cannot be bound.
     */
    AdminServer(
        final InetSocketAddress bind,
        final FrontEnd frontEnd,
        final SinkMetrics metrics,
        final InputActivity input,
        final long readyTimeoutNs,
        final Function<java.nio.channels.SocketChannel, String> pathOf) throws IOException
    {
        this.frontEnd = frontEnd;
        this.input = input;
        this.readyTimeoutNs = readyTimeoutNs;
        this.pathOf = pathOf;
        server = HttpServer.create(bind, 64);
        executor = Executors.newSingleThreadExecutor(r ->
        {
            final Thread t = new Thread(r, "fanout-admin");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", new MetricsHandler(metrics.registry()));
        server.createContext("/healthz", get(exchange -> respond(exchange, 200, "text/plain", "ok\n")));
        server.createContext("/readyz", get(this::ready));
        server.createContext("/clients", get(this::clients));
        server.createContext("/", exchange -> respond(exchange, 404, "text/plain", "not found\n"));
    }

    /** Starts serving. */
    void start()
    {
        server.start();
    }

    /** @return the bound port. */
    int port()
    {
        return server.getAddress().getPort();
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }

    private void ready(final HttpExchange exchange) throws IOException
    {
        final String reason = notReadyBecause(System.nanoTime());
        if (reason == null)
        {
            respond(exchange, 200, "text/plain", "ready\n");
        }
        else
        {
            respond(exchange, 503, "text/plain", reason + "\n");
        }
    }

    /** @return why the server is not ready, or null when it is. */
    String notReadyBecause(final long nowNs)
    {
        if (frontEnd.port() <= 0)
        {
            return "not listening";
        }
        final long since = input.sinceLastNs(nowNs);
        if (since < 0)
        {
            return "no input yet";
        }
        if (since > readyTimeoutNs)
        {
            return "no input for " + TimeUnit.NANOSECONDS.toMillis(since) + " ms";
        }
        return null;
    }

    private void clients(final HttpExchange exchange) throws IOException
    {
        final MultiSocketSink sink = frontEnd.sink();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (JsonGenerator json = JSON.createGenerator(body))
        {
            json.writeStartArray();
            sink.clientFilter((channel, stats) ->
            {
                try
                {
                    json.writeStartObject();
                    json.writeStringField("address", addressOf(channel));
                    json.writeStringField("sync_method", GstNames.of(stats.syncMethod()));
                    json.writeNumberField("connected_ns", stats.connectedDurationNs());
                    json.writeNumberField("bytes_sent", stats.bytesSent());
                    json.writeNumberField("bytes_received", stats.bytesReceived());
                    json.writeNumberField("buffers_dropped", stats.buffersDropped());
                    json.writeNumberField("lag_bytes", stats.lagBytes());
                    json.writeNumberField("lag_buffers", stats.lagBuffers());
                    json.writeStringField("status", stats.status().name().toLowerCase(Locale.ROOT));
                    final String path = pathOf.apply(channel);
                    if (path != null)
                    {
                        json.writeStringField("path", path);
                    }
                    json.writeEndObject();
                }
                catch (final IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
                return FilterResult.KEEP;
            });
            json.writeEndArray();
        }
        respond(exchange, 200, "application/json", body.toString(StandardCharsets.UTF_8));
    }

    private static String addressOf(final java.nio.channels.SocketChannel channel)
    {
        try
        {
            final SocketAddress remote = channel.getRemoteAddress();
            if (remote instanceof InetSocketAddress)
            {
                final InetSocketAddress inet = (InetSocketAddress)remote;
                final String host = inet.getAddress().getHostAddress();
                return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
            }
            return String.valueOf(remote);
        }
        catch (final IOException ex)
        {
            return "closed";
        }
    }

    /** Only GET and HEAD; anything else is 405. */
    private static HttpHandler get(final HttpHandler handler)
    {
        return exchange ->
        {
            final String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method))
            {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain", "method not allowed\n");
                return;
            }
            handler.handle(exchange);
        };
    }

    private static void respond(final HttpExchange exchange, final int status, final String type, final String body)
        throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        final boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            if (!head)
            {
                out.write(bytes);
            }
        }
    }
}
