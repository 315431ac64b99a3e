package io.fanout.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failover between upstreams, on loopback: refused, closed, silent, and close() from another thread. */
@Timeout(30)
class UpstreamChannelTest
{
    private final List<AutoCloseable> open = new ArrayList<>();
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
    private final AtomicInteger resets = new AtomicInteger();

    @AfterEach
    void closeAll() throws Exception
    {
        for (final AutoCloseable c : open)
        {
            c.close();
        }
    }

    @Test
    void theListParsesInOrderAndRefusesAnythingElse()
    {
        final List<InetSocketAddress> list = UpstreamChannel.parseList("tcp://127.0.0.1:4953, tcp://127.0.0.2:4954");
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 4953), new InetSocketAddress("127.0.0.2", 4954)), list);
        assertThrows(IllegalArgumentException.class, () -> UpstreamChannel.parseList("tcp://127.0.0.1:4953,"));
        assertThrows(IllegalArgumentException.class, () -> UpstreamChannel.parseList("tcp://127.0.0.1:4953,http://x:1"));
        assertThrows(IllegalArgumentException.class, () -> UpstreamChannel.parseList("tcp://127.0.0.1:0"));
    }

    @Test
    void aRefusingFirstUpstreamIsPassedOverForTheNext() throws Exception
    {
        final InetSocketAddress dead = freeAddress();
        final ServerSocketChannel live = server();
        final UpstreamChannel channel = channel(List.of(dead, address(live)), 5_000);
        final CompletableFuture<String> read = readString(channel, 5);
        try (SocketChannel peer = live.accept())
        {
            peer.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("hello", read.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, channel.connects());
        assertEquals(0, resets.get(), "no switch: the first never answered");
    }

    @Test
    void aClosingUpstreamSwitchesToTheNextAndResetsTheFramer() throws Exception
    {
        final ServerSocketChannel a = server();
        final ServerSocketChannel b = server();
        final UpstreamChannel channel = channel(List.of(address(a), address(b)), 5_000);
        final CompletableFuture<String> first = readString(channel, 2);
        try (SocketChannel peer = a.accept())
        {
            peer.write(ByteBuffer.wrap("a1".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("a1", first.get(10, TimeUnit.SECONDS));
        }
        final CompletableFuture<String> second = readString(channel, 2); // a closed: on to b
        try (SocketChannel peer = b.accept())
        {
            peer.write(ByteBuffer.wrap("b1".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("b1", second.get(10, TimeUnit.SECONDS));
        }
        assertEquals(1, channel.switches(UpstreamChannel.Reason.CLOSED));
        assertEquals(1, resets.get());
        assertEquals(2, channel.connects());
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("closed; switching to tcp://127.0.0.1:" + b.socket().getLocalPort()), log::toString);
    }

    @Test
    void aSilentUpstreamIsLeftAfterTheTimeout() throws Exception
    {
        final ServerSocketChannel silent = server();
        final ServerSocketChannel talking = server();
        final UpstreamChannel channel = channel(List.of(address(silent), address(talking)), 300);
        final long start = System.nanoTime();
        final CompletableFuture<String> read = readString(channel, 2);
        try (SocketChannel mute = silent.accept(); SocketChannel peer = talking.accept())
        {
            peer.write(ByteBuffer.wrap("ok".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("ok", read.get(10, TimeUnit.SECONDS));
            assertTrue(mute.isOpen());
        }
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "not before the timeout");
        assertEquals(1, channel.switches(UpstreamChannel.Reason.SILENT));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("sent nothing for 300 ms"), log::toString);
    }

    @Test
    void closeEndsABlockedReadAndABackoff() throws Exception
    {
        final ServerSocketChannel quiet = server();
        final UpstreamChannel reading = channel(List.of(address(quiet)), 60_000);
        final CompletableFuture<String> blocked = readString(reading, 1);
        quiet.accept().close(); // closed: it cycles to itself, reconnects, and waits
        final SocketChannel held = quiet.accept();
        open.add(held);
        reading.close();
        final Exception ex = assertThrows(Exception.class, () -> blocked.get(10, TimeUnit.SECONDS));
        assertTrue(ex.getCause() instanceof AsynchronousCloseException, String.valueOf(ex.getCause()));

        final UpstreamChannel backingOff = channel(List.of(freeAddress()), 60_000);
        final CompletableFuture<String> refused = readString(backingOff, 1);
        backingOff.close();
        final Exception ex2 = assertThrows(Exception.class, () -> refused.get(10, TimeUnit.SECONDS));
        assertTrue(ex2.getCause() instanceof AsynchronousCloseException, String.valueOf(ex2.getCause()));
    }

    private UpstreamChannel channel(final List<InetSocketAddress> upstreams, final long silenceMs) throws IOException
    {
        final UpstreamChannel channel = new UpstreamChannel(upstreams, TimeUnit.MILLISECONDS.toNanos(silenceMs), resets::incrementAndGet, err);
        open.add(channel);
        return channel;
    }

    private ServerSocketChannel server() throws IOException
    {
        final ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        open.add(server);
        return server;
    }

    private static InetSocketAddress address(final ServerSocketChannel server) throws IOException
    {
        return (InetSocketAddress)server.getLocalAddress();
    }

    /** A loopback port nothing listens on (bound, then closed). */
    private static InetSocketAddress freeAddress() throws IOException
    {
        try (ServerSocketChannel probe = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return (InetSocketAddress)probe.getLocalAddress();
        }
    }

    /** Reads exactly {@code count} bytes on a thread of its own. */
    private static CompletableFuture<String> readString(final UpstreamChannel channel, final int count)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            final ByteBuffer buffer = ByteBuffer.allocateDirect(count);
            try
            {
                while (buffer.hasRemaining())
                {
                    channel.read(buffer);
                }
            }
            catch (final IOException ex)
            {
                throw new java.util.concurrent.CompletionException(ex);
            }
            buffer.flip();
            return StandardCharsets.US_ASCII.decode(buffer).toString();
        }, task ->
        {
            final Thread reader = new Thread(task, "upstream-reader"); // a blocking read: a thread of its own
            reader.setDaemon(true);
            reader.start();
        });
    }
}
