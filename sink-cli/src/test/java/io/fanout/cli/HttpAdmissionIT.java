package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --http} with {@code --token-file}, {@code --acl-file} and {@code --max-clients}: 401, 403,
 * 200 with a token in the query and in the header, 503 with Retry-After when full; SIGHUP applies a
 * changed token file to the next request while a connected client keeps receiving, and a broken
 * ACL file changes nothing and is reported. Everything on 127.0.0.1.
 */
@Timeout(120)
class HttpAdmissionIT
{
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static String text(final CompletableFuture<byte[]> response) throws Exception
    {
        return new String(response.get(30, TimeUnit.SECONDS), StandardCharsets.ISO_8859_1);
    }

    private static void hangUp(final CliProcess cli) throws Exception
    {
        final Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(cli.process.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    @Test
    void tokensFullServersAndReloads() throws Exception
    {
        final Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "alpha\nbeta\n");
        final Path acl = dir.resolve("acl");
        Files.writeString(acl, "allow 127.0.0.0/8\n");
        final byte[] input = new byte[64 * 1024];
        new Random(5).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--port", "0", "--http", "--token-file", tokens.toString(),
            "--acl-file", acl.toString(), "--max-clients", "3", "--events", "--stats-interval", "100ms"))
        {
            final int port = cli.awaitPort();
            assertTrue(text(Clients.readToEnd(port, "GET /live HTTP/1.1\r\n\r\n"))
                .startsWith("HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Bearer"));
            assertTrue(text(Clients.readToEnd(port, "GET /live?token=wrong HTTP/1.1\r\n\r\n"))
                .startsWith("HTTP/1.0 403 Forbidden"));
            cli.awaitLine(l -> l.contains("\"event\":\"connection-refused\"") && l.contains("\"reason\":\"unauthorized\""),
                WAIT);
            final CompletableFuture<byte[]> alpha = Clients.readToEnd(port, "GET /live?token=alpha HTTP/1.1\r\n\r\n");
            final CompletableFuture<byte[]> beta =
                Clients.readToEnd(port, "GET /live HTTP/1.1\r\nAuthorization: Bearer beta\r\n\r\n");
            cli.awaitLine(l -> l.contains("stats clients=2"), WAIT);

            Files.writeString(tokens, "beta\n"); // alpha is revoked
            hangUp(cli);
            cli.awaitLine(l -> l.contains("reloaded: acl allow 1 deny 0") && l.contains("tokens 1"), WAIT);
            assertTrue(text(Clients.readToEnd(port, "GET /live?token=alpha HTTP/1.1\r\n\r\n"))
                .startsWith("HTTP/1.0 403 Forbidden"), "a revoked token is refused from the next request on");
            final CompletableFuture<byte[]> third = Clients.readToEnd(port, "GET /live?token=beta HTTP/1.1\r\n\r\n");
            cli.awaitLine(l -> l.contains("stats clients=3"), WAIT);
            final String full = text(Clients.readToEnd(port, "GET /live?token=beta HTTP/1.1\r\n\r\n"));
            assertTrue(full.startsWith("HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\n"), full);

            Files.writeString(acl, "allow 127.0.0.0/8\nallow banana\n");
            hangUp(cli);
            cli.awaitLine(l -> l.contains("reload failed, keeping the previous rules") && l.contains("line 2"), WAIT);
            cli.awaitLine(l -> l.contains("refused=4 (max_clients=1 max_clients_per_ip=0 denied=0 unauthorized=3)"), WAIT);

            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write(input);
            }
            assertEquals(0, cli.awaitExit(WAIT));
            for (final CompletableFuture<byte[]> client : new CompletableFuture[] {alpha, beta, third})
            {
                final byte[] got = client.get(30, TimeUnit.SECONDS);
                final String head = new String(got, 0, Math.min(got.length, 15), StandardCharsets.ISO_8859_1);
                assertEquals("HTTP/1.0 200 OK", head);
                final byte[] body = java.util.Arrays.copyOfRange(got, got.length - input.length, got.length);
                assertArrayEquals(input, body, "every admitted client, the one whose token was revoked too, gets it all");
            }
        }
    }
}
