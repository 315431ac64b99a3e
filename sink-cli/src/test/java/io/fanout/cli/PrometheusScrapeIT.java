package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real Prometheus (Debian's, which .ci/run installs) scrapes the CLI's {@code --admin} port every
 * second, and {@code fanout_clients} is read back through Prometheus' HTTP query API. Everything
 * listens on 127.0.0.1; Prometheus is stopped when the test ends.
 */
@Timeout(180)
class PrometheusScrapeIT
{
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private String query(final int prometheusPort, final String promql) throws IOException, InterruptedException
    {
        final String url = "http://127.0.0.1:" + prometheusPort + "/api/v1/query?query=" +
            URLEncoder.encode(promql, StandardCharsets.UTF_8);
        try
        {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        }
        catch (final IOException ex)
        {
            return "unreachable: " + ex;
        }
    }

    @Test
    void prometheusScrapesTheAdminPortAndSeesTheClients() throws Exception
    {
        final Path prometheus = Path.of("/usr/bin/prometheus");
        if (!Files.isExecutable(prometheus))
        {
            fail("Prometheus is not installed (apt-get install prometheus; .ci/run does it)");
        }
        final Path dir = Files.createTempDirectory("fanout-prometheus");
        Process server = null;
        try (CliProcess cli = CliProcess.start("--port", "0", "--format", "lines", "--admin", "127.0.0.1:0"))
        {
            final int port = cli.awaitPort();
            final int admin = cli.awaitAdminPort();
            final CompletableFuture<byte[]> one = Clients.readToEnd(port);
            final CompletableFuture<byte[]> two = Clients.readToEnd(port);
            final int prometheusPort = freePort();
            final Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, String.join("\n",
                "global:",
                "  scrape_interval: 1s",
                "scrape_configs:",
                "  - job_name: fanout",
                "    static_configs:",
                "      - targets: ['127.0.0.1:" + admin + "']",
                ""));
            server = new ProcessBuilder(prometheus.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();

            final long deadline = System.nanoTime() + WAIT.toNanos();
            String answer = "";
            while (System.nanoTime() < deadline)
            {
                answer = query(prometheusPort, "fanout_clients");
                if (answer.contains("\"status\":\"success\"") && answer.contains(",\"2\"]"))
                {
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(200); // polling Prometheus until its scrape shows up, bounded
            }
            assertTrue(answer.contains(",\"2\"]") && answer.contains("\"job\":\"fanout\""),
                "Prometheus' answer: " + answer + "\nits log:\n" + Files.readString(dir.resolve("prometheus.log")));
            final String up = query(prometheusPort, "up{job=\"fanout\"}");
            assertTrue(up.contains(",\"1\"]"), "the target is up: " + up);

            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write("hello\n".getBytes(StandardCharsets.US_ASCII));
            }
            assertEquals(0, cli.awaitExit(WAIT));
            assertEquals("hello\n", new String(one.get(30, TimeUnit.SECONDS), StandardCharsets.US_ASCII));
            two.get(30, TimeUnit.SECONDS);
        }
        finally
        {
            if (server != null)
            {
                server.destroy();
                if (!server.waitFor(10, TimeUnit.SECONDS))
                {
                    server.destroyForcibly();
                }
            }
            try (Stream<Path> files = Files.walk(dir))
            {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
