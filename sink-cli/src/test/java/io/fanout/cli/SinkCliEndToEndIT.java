package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packaged CLI as a user runs it: standard input in, TCP clients out. */
@Timeout(120)
class SinkCliEndToEndIT
{
    private static final int INPUT_BYTES = 10 * 1024 * 1024;

    @Test
    void servesTenMebibytesToThreeClientsByteForByteThenDrainsAndExitsZero() throws Exception
    {
        final byte[] input = new byte[INPUT_BYTES];
        new Random(42).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--port", "0", "--events", "--blocksize", "64KiB"))
        {
            final int port = cli.awaitPort();
            final List<CompletableFuture<byte[]>> received = new ArrayList<>();
            for (int i = 0; i < 3; i++)
            {
                received.add(readToEnd(port));
            }
            for (int i = 0; i < 3; i++)
            {
                cli.awaitLine(l -> l.contains("\"event\":\"client-added\""), Duration.ofSeconds(30));
            }
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                for (int off = 0; off < input.length; off += 100_000)
                {
                    stdin.write(input, off, Math.min(100_000, input.length - off));
                }
            }
            assertEquals(0, cli.awaitExit(Duration.ofSeconds(60)), () -> "stderr: " + cli.stderr());
            for (final CompletableFuture<byte[]> client : received)
            {
                final byte[] bytes = client.get(30, TimeUnit.SECONDS);
                assertEquals(input.length, bytes.length, "bytes received");
                assertArrayEquals(input, bytes);
            }
            final List<String> lines = cli.allLines();
            assertEquals(3, lines.stream().filter(l -> l.contains("\"status\":\"removed\"")).count(),
                "each client is removed REMOVED at the end: " + lines);
            assertEquals(3, lines.stream().filter(l -> l.contains("client-socket-removed")).count());
        }
    }

    @Test
    void endOfInputWithoutClientsExitsZero() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0"))
        {
            cli.awaitPort();
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write("hello\n".getBytes());
            }
            assertEquals(0, cli.awaitExit(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aPortInUseExitsTwoWithAOneLineMessage() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             CliProcess cli = CliProcess.start("--port", Integer.toString(taken.getLocalPort())))
        {
            assertEquals(2, cli.awaitExit(Duration.ofSeconds(30)));
            final List<String> lines = cli.allLines();
            assertEquals(1, lines.size(), "one line: " + lines);
            assertTrue(lines.get(0).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), lines.get(0));
        }
    }

    @Test
    void anUnknownOptionExitsTwoWithAOneLineMessage() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--no-such-option"))
        {
            assertEquals(2, cli.awaitExit(Duration.ofSeconds(30)));
            final List<String> lines = cli.allLines();
            assertEquals(1, lines.size(), "one line: " + lines);
            assertTrue(lines.get(0).contains("--no-such-option"), lines.get(0));
        }
    }

    /** A client that connects now and reads until the server closes, on its own thread. */
    private static CompletableFuture<byte[]> readToEnd(final int port) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final Thread reader = new Thread(() ->
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream(INPUT_BYTES);
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try (channel)
            {
                while (channel.read(buffer.clear()) >= 0)
                {
                    out.write(buffer.array(), 0, buffer.position());
                }
                result.complete(out.toByteArray());
            }
            catch (final IOException ex)
            {
                result.completeExceptionally(ex);
            }
        }, "client-" + port);
        reader.setDaemon(true);
        reader.start();
        return result;
    }
}
