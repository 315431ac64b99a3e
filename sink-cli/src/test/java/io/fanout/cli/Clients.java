package io.fanout.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** Loopback clients for the CLI's end-to-end tests: each reads until the server closes, on its own thread. */
final class Clients
{
    private Clients()
    {
    }

    /** Connects now and reads to the end. */
    static CompletableFuture<byte[]> readToEnd(final int port) throws IOException
    {
        return readToEnd(port, null);
    }

    /** Connects now, sends {@code request} (if any), and reads to the end. */
    static CompletableFuture<byte[]> readToEnd(final int port, final String request) throws IOException
    {
        final SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        if (request != null)
        {
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
        }
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final Thread reader = new Thread(() ->
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
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
                result.complete(out.toByteArray()); // a reset ends the stream too: keep what arrived
            }
        }, "client-" + port);
        reader.setDaemon(true);
        reader.start();
        return result;
    }
}
