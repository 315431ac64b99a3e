package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI's features end to end, through the packaged jar: formats, HTTP, relaying, limits, signals. */
@Timeout(120)
class SinkCliFeaturesIT
{
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static void awaitAdded(final CliProcess cli, final int count) throws InterruptedException
    {
        for (int i = 0; i < count; i++)
        {
            cli.awaitLine(l -> l.contains("\"event\":\"client-added\""), WAIT);
        }
    }

    @Test
    void linesFormatServesEveryLineToNetcatStyleClients() throws Exception
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 5000; i++)
        {
            text.append("log line ").append(i).append(" level=info\n");
        }
        text.append("last line without newline");
        try (CliProcess cli = CliProcess.start("--port", "0", "--events", "--format", "lines"))
        {
            final int port = cli.awaitPort();
            final CompletableFuture<byte[]> client = Clients.readToEnd(port);
            awaitAdded(cli, 1);
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write(text.toString().getBytes(StandardCharsets.UTF_8));
            }
            assertEquals(0, cli.awaitExit(WAIT));
            assertEquals(text.toString(), new String(client.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        }
    }

    @Test
    void httpClientsGetAHeaderThenTheStreamAndBadRequestsAreRefused() throws Exception
    {
        final byte[] input = new byte[2 * 1024 * 1024];
        new Random(7).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--port", "0", "--events", "--http", "--http-timeout", "1s"))
        {
            final int port = cli.awaitPort();
            final CompletableFuture<byte[]> player = Clients.readToEnd(port, "GET /live HTTP/1.1\r\nHost: x\r\n\r\n");
            final CompletableFuture<byte[]> post = Clients.readToEnd(port, "POST / HTTP/1.1\r\n\r\n");
            final CompletableFuture<byte[]> garbage = Clients.readToEnd(port, "HELLO\r\n\r\n");
            final CompletableFuture<byte[]> slow = Clients.readToEnd(port, "GET / HTTP/1.1\r\n"); // never finishes its head
            awaitAdded(cli, 1);
            assertTrue(new String(post.get(30, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1)
                .startsWith("HTTP/1.0 405 "), "a POST gets 405");
            assertTrue(new String(garbage.get(30, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1)
                .startsWith("HTTP/1.0 400 "), "a malformed request gets 400");
            assertTrue(new String(slow.get(30, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1)
                .startsWith("HTTP/1.0 400 "), "a request head slower than --http-timeout gets 400");
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write(input);
            }
            assertEquals(0, cli.awaitExit(WAIT));
            final byte[] response = player.get(30, TimeUnit.SECONDS);
            final String head = "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n" +
                "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
            assertEquals(head, new String(response, 0, head.length(), StandardCharsets.ISO_8859_1));
            final byte[] body = new byte[response.length - head.length()];
            System.arraycopy(response, head.length(), body, 0, body.length);
            assertArrayEquals(input, body);
        }
    }

    @Test
    void aRelayReadsFromAnUpstreamSinkAndServesItsOwnClients() throws Exception
    {
        final byte[] input = new byte[1024 * 1024];
        new Random(11).nextBytes(input);
        try (CliProcess upstream = CliProcess.start("--port", "0", "--events");
             CliProcess relay = CliProcess.start("--port", "0", "--events", "--source",
                 "tcp://127.0.0.1:" + upstream.awaitPort()))
        {
            final int relayPort = relay.awaitPort();
            awaitAdded(upstream, 1); // the relay is the upstream's client
            final CompletableFuture<byte[]> viewer = Clients.readToEnd(relayPort);
            awaitAdded(relay, 1);
            try (OutputStream stdin = upstream.process.getOutputStream())
            {
                stdin.write(input);
            }
            assertEquals(0, upstream.awaitExit(WAIT));
            relay.awaitLine(l -> l.contains("upstream") && l.contains("reconnecting"), WAIT);
            relay.process.toHandle().destroy(); // SIGTERM: drain and exit 0
            assertEquals(0, relay.awaitExit(WAIT));
            assertArrayEquals(input, viewer.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void sigtermEndsTheInputDrainsTheClientsAndExitsZero() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--events");
             SocketChannel client = SocketChannel.open(
                 new InetSocketAddress(InetAddress.getLoopbackAddress(), cli.awaitPort())))
        {
            awaitAdded(cli, 1);
            final OutputStream stdin = cli.process.getOutputStream();
            final byte[] data = "still open\n".getBytes(StandardCharsets.UTF_8);
            stdin.write(data);
            stdin.flush();
            final ByteBuffer received = ByteBuffer.allocate(data.length);
            while (received.hasRemaining() && client.read(received) >= 0)
            {
                // blocking reads until the line has gone through the sink (bounded by @Timeout)
            }
            assertArrayEquals(data, received.array());
            cli.process.toHandle().destroy(); // SIGTERM while standard input is still open
            final int status = cli.awaitExit(WAIT);
            assertEquals(0, status, () -> "stderr: " + cli.stderr());
            cli.awaitLine(l -> l.contains("stopping on signal"), WAIT);
            cli.awaitLine(l -> l.contains("\"status\":\"removed\""), WAIT);
            assertEquals(-1, client.read(ByteBuffer.allocate(16)), "the client is closed after the drain");
        }
    }

    @Test
    void maxClientsRefusesTheOneOverTheLimitAndTheOthersGetEverything() throws Exception
    {
        final byte[] input = new byte[256 * 1024];
        new Random(3).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--port", "0", "--events", "--max-clients", "2",
            "--stats-interval", "100ms"))
        {
            final int port = cli.awaitPort();
            final List<CompletableFuture<byte[]>> admitted = new ArrayList<>();
            admitted.add(Clients.readToEnd(port));
            admitted.add(Clients.readToEnd(port));
            awaitAdded(cli, 2);
            final CompletableFuture<byte[]> refused = Clients.readToEnd(port);
            assertEquals(0, refused.get(30, TimeUnit.SECONDS).length, "the third client is closed at once");
            cli.awaitLine(l -> l.contains("stats clients=2") && l.contains("refused=1"), WAIT);
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write(input);
            }
            assertEquals(0, cli.awaitExit(WAIT));
            for (final CompletableFuture<byte[]> client : admitted)
            {
                assertArrayEquals(input, client.get(30, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void denyAndThePerAddressLimitRefuseAtOnceAndAreCountedByReason() throws Exception
    {
        final byte[] input = new byte[128 * 1024];
        new Random(4).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--port", "0", "--events", "--deny", "127.0.0.2/32",
            "--max-clients-per-ip", "1", "--stats-interval", "100ms"))
        {
            final int port = cli.awaitPort();
            final CompletableFuture<byte[]> admitted = Clients.readToEndFrom("127.0.0.1", port);
            awaitAdded(cli, 1);
            final CompletableFuture<byte[]> denied = Clients.readToEndFrom("127.0.0.2", port);
            final CompletableFuture<byte[]> second = Clients.readToEndFrom("127.0.0.1", port);
            assertEquals(0, denied.get(30, TimeUnit.SECONDS).length, "a denied address is closed at once");
            assertEquals(0, second.get(30, TimeUnit.SECONDS).length, "a second connection from 127.0.0.1 too");
            cli.awaitLine(l -> l.contains("\"event\":\"connection-refused\"") && l.contains("\"client\":\"127.0.0.2:") &&
                l.contains("\"reason\":\"denied\""), WAIT);
            cli.awaitLine(l -> l.contains("stats clients=1") && l.contains("refused=2") &&
                l.contains("max_clients_per_ip=1 denied=1"), WAIT);
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write(input);
            }
            assertEquals(0, cli.awaitExit(WAIT));
            assertArrayEquals(input, admitted.get(30, TimeUnit.SECONDS));
        }
    }
}
