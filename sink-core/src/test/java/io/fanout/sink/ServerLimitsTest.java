package io.fanout.sink;

import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Kind;
import io.fanout.testkit.LoopbackReaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.fanout.sink.TestSupport.HOST;
import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.concat;
import static io.fanout.sink.TestSupport.fixedPayloads;
import static io.fanout.sink.TestSupport.manyReaders;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 6 item 4, connect storms and limits, on a TcpServerSink: 2,000 clients connecting at
 * once, the client limit at 100, and accepts that fail (the descriptor exhaustion of a real
 * process is in the CLI's ReliabilityIT; here the failure is injected through the accept seam).
 */
@Timeout(60)
class ServerLimitsTest extends LoopbackServerTest
{
    private static final long NONE = MultiSocketSink.CLOCK_TIME_NONE;

    private InetSocketAddress address()
    {
        return new InetSocketAddress(HOST, server.currentPort());
    }

    private List<SocketChannel> connect(final int count) throws IOException
    {
        final List<SocketChannel> clients = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            clients.add(SocketChannel.open(address()));
        }
        return clients;
    }

    private void render(final List<byte[]> data)
    {
        for (final byte[] b : data)
        {
            server.sink().render(TestSupport.direct(b, 0), BufferFlags.NONE, NONE, NONE);
        }
    }

    /**
     * 2,000 clients connect as fast as one thread can open them (well within a second on
     * loopback; the time is in the failure message): every one is accepted, added, and receives
     * every byte rendered after, in order. Nothing is refused and no accept fails.
     */
    @Test
    void aConnectStormOfTwoThousandClientsIsServedInFull() throws Exception
    {
        final long fds = JvmResources.maxFds();
        assumeTrue(fds < 0 || fds - JvmResources.openFds() > 4_500, "needs 4,000 descriptors; the limit is " + fds);
        final EventRecorder events = start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0)));
        final long startNs = System.nanoTime();
        final List<SocketChannel> clients = connect(2_000);
        final long connectMs = (System.nanoTime() - startNs) / 1_000_000;
        final List<byte[]> data = fixedPayloads(71, 4, 8 * 1024);
        try (LoopbackReaders readers = manyReaders(clients, concat(data), "storm-readers"))
        {
            await(() -> server.sink().stats().numHandles() == 2_000,
                () -> "2,000 clients added (connected in " + connectMs + " ms): " + server.sink().stats().numHandles());
            render(data);
            readers.awaitEach(concat(data).length);
        }
        assertEquals(2_000, events.count(Kind.ADDED));
        assertEquals(0, events.count(Kind.REMOVED));
        assertEquals(0, server.refusedClients());
        assertEquals(0, server.acceptFailures());
        assertEquals(2_000, server.sink().stats().clientsAdded());
    }

    /**
     * --max-clients 100: the 101st connection is closed at once (it reads end of stream and
     * nothing else), counted, and causes no callback; the hundred connected clients receive every
     * byte, before and after it. Once one of them leaves, a new connection is admitted.
     */
    @Test
    void withMaxClientsAHundredTheHundredAndFirstIsRefusedAtOnceAndNobodyElseNotices() throws Exception
    {
        final EventRecorder events = start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), 100));
        final List<SocketChannel> admitted = connect(100);
        final List<byte[]> before = fixedPayloads(72, 20, 4096);
        final List<byte[]> after = fixedPayloads(73, 20, 4096);
        try (LoopbackReaders readers = manyReaders(admitted, concat(concat(before), concat(after)), "limit-readers"))
        {
            events.awaitCount(Kind.ADDED, 100);
            render(before);
            readers.awaitEach(concat(before).length);

            final SocketChannel refused = resources.track(SocketChannel.open(address()));
            assertEquals(-1, refused.read(ByteBuffer.allocate(16)), "refused at once: end of stream, no data");
            await(() -> server.refusedClients() == 1, () -> "counted: " + server.refusedClients());
            render(after);
            readers.awaitEach(concat(concat(before), concat(after)).length);
            assertEquals(100, events.count(Kind.ADDED), "no callback for a refused connection");
            assertEquals(0, events.count(Kind.REMOVED));
            assertEquals(100, server.sink().stats().numHandles());

            final SocketChannel leaving = admitted.get(0);
            leaving.setOption(StandardSocketOptions.SO_LINGER, 0);
            leaving.close();
            events.awaitCount(Kind.SOCKET_REMOVED, 1);
            final SocketChannel next = resources.track(SocketChannel.open(address()));
            events.awaitCount(Kind.ADDED, 101);
            assertTrue(next.isConnected());
            assertEquals(1, server.refusedClients(), "a place freed by a removal is given to the next connection");
        }
    }

    /**
     * Accepts that fail (injected: "Too many open files" while {@code failing} is set) are counted
     * and paused: a connection waiting in the backlog is retried at most once per pause (50 ms)
     * instead of in a busy loop, while the connected client goes on receiving. Once accepts
     * succeed again, the connections that waited are accepted and served, and counting stops.
     */
    @Test
    void failingAcceptsArePausedCountedAndAcceptingResumes() throws Exception
    {
        final AtomicBoolean failing = new AtomicBoolean();
        final AtomicLong attempts = new AtomicLong();
        final AtomicLong firstFailureNs = new AtomicLong();
        final EventRecorder events = start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), 0,
            listening ->
            {
                if (failing.get())
                {
                    attempts.incrementAndGet();
                    firstFailureNs.compareAndSet(0, System.nanoTime());
                    throw new IOException("Too many open files");
                }
                return listening.accept();
            }));
        final SocketChannel early = resources.track(SocketChannel.open(address()));
        events.awaitCount(Kind.ADDED, 1);
        final List<byte[]> during = fixedPayloads(74, 10, 4096);
        final List<byte[]> afterwards = fixedPayloads(75, 10, 4096);
        final LoopbackReaders earlyReader = resources.track(
            manyReaders(List.of(early), concat(concat(during), concat(afterwards)), "early-reader"));

        failing.set(true);
        final List<SocketChannel> waiting = connect(3); // the kernel completes them; accept fails
        resources.track((AutoCloseable)() -> waiting.forEach(ServerLimitsTest::closeQuietly));
        render(during);
        earlyReader.awaitEach(concat(during).length); // the connected client does not notice
        await(() -> server.acceptFailures() >= 5, () -> "accept failures counted: " + server.acceptFailures());
        final long elapsedNs = System.nanoTime() - firstFailureNs.get();
        final long allowed = elapsedNs / TcpServerSink.ACCEPT_PAUSE_NS + 2;
        assertTrue(attempts.get() <= allowed, attempts.get() + " accept attempts in " + elapsedNs / 1_000_000 +
            " ms: not paused (at most " + allowed + ")");
        assertEquals(attempts.get(), server.acceptFailures(), "every failure is counted");
        assertEquals(1, events.count(Kind.ADDED));

        failing.set(false);
        events.awaitCount(Kind.ADDED, 4); // the three that waited in the backlog
        final long failures = server.acceptFailures();
        try (LoopbackReaders late = manyReaders(waiting, concat(afterwards), "late-readers"))
        {
            render(afterwards);
            late.awaitEach(concat(afterwards).length);
            earlyReader.awaitEach(concat(concat(during), concat(afterwards)).length);
        }
        assertEquals(failures, server.acceptFailures(), "no failure once accepts succeed");
        assertEquals(4, server.sink().stats().numHandles());
    }

    private static void closeQuietly(final SocketChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            // best effort
        }
    }
}
