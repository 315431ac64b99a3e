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
        return capture(port, request).bytes;
    }

    /** A client reading to the end, with its progress visible. */
    static final class Capture
    {
        final CompletableFuture<byte[]> bytes = new CompletableFuture<>();
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

        /** Waits until at least {@code count} bytes arrived. */
        void awaitReceived(final long count, final java.time.Duration timeout) throws InterruptedException
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (received.get() < count)
            {
                if (System.nanoTime() - deadline > 0 || bytes.isDone())
                {
                    throw new AssertionError("received " + received.get() + " of " + count + " bytes");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        }
    }

    /** Connects now from the loopback address {@code local} (127.0.0.0/8) and reads to the end. */
    static CompletableFuture<byte[]> readToEndFrom(final String local, final int port) throws IOException
    {
        return capture(port, null, local).bytes;
    }

    /** Connects now, sends {@code request} (if any), and reads to the end on its own thread. */
    static Capture capture(final int port, final String request) throws IOException
    {
        return capture(port, request, null);
    }

    /** As {@link #capture(int, String)}, from the local address {@code local} (null: any). */
    static Capture capture(final int port, final String request, final String local) throws IOException
    {
        final Capture capture = new Capture();
        final SocketChannel channel = SocketChannel.open();
        if (local != null)
        {
            channel.bind(new InetSocketAddress(InetAddress.getByName(local), 0));
        }
        channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        if (request != null)
        {
            channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
        }
        final CompletableFuture<byte[]> result = capture.bytes;
        final Thread reader = new Thread(() ->
        {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try (channel)
            {
                while (channel.read(buffer.clear()) >= 0)
                {
                    out.write(buffer.array(), 0, buffer.position());
                    capture.received.addAndGet(buffer.position());
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
        return capture;
    }
}
