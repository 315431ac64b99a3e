package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code --admin}: the metrics match what happened (three clients, one stalled until it is removed
 * SLOW), the exposition passes {@code promtool check metrics}, {@code /readyz} follows the input,
 * {@code /clients} lists the connected clients. Everything on 127.0.0.1.
 */
@Timeout(120)
class AdminEndpointsIT
{
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(final int port, final String path) throws IOException, InterruptedException
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series line ({@code name} with its labels, as exposed), or NaN when absent. */
    private static double value(final String exposition, final String series)
    {
        final Matcher m = Pattern.compile("^" + Pattern.quote(series) + " ([^ \\n]+)$", Pattern.MULTILINE).matcher(exposition);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private String awaitMetrics(final int port, final Predicate<String> condition) throws Exception
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        String body = "";
        while (System.nanoTime() < deadline)
        {
            body = get(port, "/metrics").body();
            if (condition.test(body))
            {
                return body;
            }
            TimeUnit.MILLISECONDS.sleep(50); // polling a remote process: a bounded wait for a condition
        }
        fail("metrics never matched; last scrape:\n" + body);
        return body;
    }

    private String awaitStatus(final int port, final String path, final int status) throws Exception
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> response = get(port, path);
        while (response.statusCode() != status && System.nanoTime() < deadline)
        {
            TimeUnit.MILLISECONDS.sleep(50); // polling a remote process: a bounded wait for a condition
            response = get(port, path);
        }
        assertEquals(status, response.statusCode(), path + ": " + response.body());
        return response.body();
    }

    @Test
    void metricsHealthReadinessAndClientsMatchWhatHappened() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--format", "lines", "--admin", "127.0.0.1:0",
            "--ready-timeout", "500ms", "--units-max", "200", "--events"))
        {
            final int port = cli.awaitPort();
            final int admin = cli.awaitAdminPort();
            assertEquals(200, get(admin, "/healthz").statusCode());
            assertTrue(awaitStatus(admin, "/readyz", 503).startsWith("no input yet"));

            final CompletableFuture<byte[]> a = Clients.readToEnd(port);
            final CompletableFuture<byte[]> b = Clients.readToEnd(port);
            final SocketChannel stalled = SocketChannel.open();
            stalled.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            stalled.connect(new InetSocketAddress("127.0.0.1", port)); // never reads
            awaitMetrics(admin, m -> value(m, "fanout_clients") == 3);

            final OutputStream stdin = cli.process.getOutputStream();
            final byte[] line = ("x".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);
            int lines = 0;
            String metrics = "";
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline)
            {
                for (int i = 0; i < 100; i++)
                {
                    stdin.write(line);
                }
                stdin.flush();
                lines += 100;
                metrics = get(admin, "/metrics").body();
                if (value(metrics, "fanout_client_removals_total{status=\"slow\"}") == 1)
                {
                    break;
                }
            }
            assertEquals(1, value(metrics, "fanout_client_removals_total{status=\"slow\"}"), metrics);
            awaitStatus(admin, "/readyz", 200);
            final int written = lines;
            metrics = awaitMetrics(admin, m -> value(m, "fanout_input_buffers_total") == written);
            assertEquals(2, value(metrics, "fanout_clients"));
            assertEquals(written * (long)line.length, (long)value(metrics, "fanout_input_bytes_total"));
            assertEquals(0, value(metrics, "fanout_client_removals_total{status=\"closed\"}"));
            assertEquals(0, value(metrics, "fanout_connections_refused_total{reason=\"denied\"}"));
            assertTrue(value(metrics, "fanout_output_bytes_total") >= 2.0 * written * line.length * 0.5, metrics);
            assertTrue(metrics.contains("jvm_memory_used_bytes"), "the JVM's own metrics are there too");
            assertEquals(2, value(metrics, "fanout_client_lag_bytes_count"));
            promtoolAccepts(metrics);

            final String clients = get(admin, "/clients").body();
            assertEquals(2, clients.split("\"address\"").length - 1, clients);
            assertTrue(clients.contains("\"sync_method\":\"latest\"") && clients.contains("\"status\":\"ok\""), clients);

            assertTrue(awaitStatus(admin, "/readyz", 503).startsWith("no input for"), "input stopped for over 500 ms");
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/healthz"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(404, get(admin, "/nothing").statusCode());

            stdin.close();
            assertEquals(0, cli.awaitExit(WAIT));
            assertTrue(a.get(30, TimeUnit.SECONDS).length > 0 && b.get(30, TimeUnit.SECONDS).length > 0);
            stalled.close();
        }
    }

    /** {@code promtool check metrics} (Debian's prometheus package; .ci/run installs it) accepts the exposition. */
    private static void promtoolAccepts(final String metrics) throws Exception
    {
        final Path file = Files.createTempFile("fanout-metrics", ".txt");
        try
        {
            Files.writeString(file, metrics);
            final Process promtool;
            try
            {
                promtool = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                    .redirectErrorStream(true).start();
            }
            catch (final IOException ex)
            {
                fail("promtool is not installed (apt-get install prometheus): " + ex.getMessage());
                return;
            }
            final String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, promtool.exitValue(), "promtool check metrics: " + out);
        }
        finally
        {
            Files.deleteIfExists(file);
        }
    }
}
