package io.fanout.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.fanout.sink.TestSupport.HOST;
import static io.fanout.sink.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6 item 8, the suite's 20-second churn soak (the {@code churn} bench scenario runs it for
 * minutes): clients connect to a TcpServerSink and leave continuously, in every way a peer can,
 * while data flows. Afterwards open file descriptors, threads and heap are back at their baseline
 * and every client had exactly one clientAdded, clientRemoved and clientSocketRemoved, in order.
 */
@Timeout(90)
class ChurnSoakTest
{
    private static final long SOAK_MS = 20_000;
    private static final long WARM_UP_MS = 2_000;
    private static final int CHURNERS = 6;
    private static final int SIZE = 4096;

    /**
     * Callbacks per channel, checked as they come: added, then removed, then socket-removed, once
     * each. Selector thread only while the sink runs; read by the test once it is quiet.
     */
    private static final class Ledger implements SinkListener
    {
        private final Map<SocketChannel, Integer> state = new HashMap<>();
        private final Map<ClientStatus, Long> statuses = new EnumMap<>(ClientStatus.class);
        private final List<String> violations = new ArrayList<>();
        private long clients;

        private synchronized void step(final SocketChannel channel, final int from, final String what)
        {
            final Integer now = state.get(channel);
            if ((now == null ? 0 : now) != from)
            {
                if (violations.size() < 10)
                {
                    violations.add(what + " of " + channel + " in state " + now);
                }
                return;
            }
            state.put(channel, from + 1);
        }

        @Override
        public void clientAdded(final SocketChannel channel)
        {
            step(channel, 0, "clientAdded");
            synchronized (this)
            {
                clients++;
            }
        }

        @Override
        public void clientRemoved(final SocketChannel channel, final ClientStatus status)
        {
            step(channel, 1, "clientRemoved");
            synchronized (this)
            {
                statuses.merge(status, 1L, Long::sum);
            }
        }

        @Override
        public void clientSocketRemoved(final SocketChannel channel)
        {
            step(channel, 2, "clientSocketRemoved");
        }

        /** Checks every channel went through all three callbacks, then forgets them all. */
        synchronized void checkAndForget()
        {
            assertTrue(violations.isEmpty(), "callbacks out of order or repeated: " + violations);
            final long incomplete = state.values().stream().filter(s -> s != 3).count();
            assertEquals(0, incomplete, incomplete + " of " + state.size() + " clients did not get all three callbacks");
            assertEquals(clients, state.size());
            state.clear();
        }
    }

    /** Connects, takes part in the stream in one of five ways, leaves; again until the deadline. */
    private static void churn(final InetSocketAddress address, final long seed, final long deadlineNs,
        final AtomicLong rendered, final AtomicLong sessions) throws IOException
    {
        final Random random = new Random(seed);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        final ByteBuffer garbage = ByteBuffer.allocateDirect(64 * 1024);
        while (System.nanoTime() - deadlineNs < 0)
        {
            final int mode = random.nextInt(5);
            final long want = 16 * 1024 + random.nextInt(256 * 1024);
            try (SocketChannel channel = SocketChannel.open(address))
            {
                switch (mode)
                {
                    case 0 -> read(channel, buffer, want);                 // reads, then closes
                    case 1 ->
                    {
                        read(channel, buffer, want);                        // reads, then resets
                        channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                    }
                    case 2 ->
                    {
                        channel.shutdownOutput();                           // half-closes, reads, closes
                        read(channel, buffer, want);
                    }
                    case 3 ->
                    {
                        final long until = rendered.get() + 64;             // never reads, then closes
                        while (rendered.get() < until && System.nanoTime() - deadlineNs < 0)
                        {
                            LockSupport.parkNanos(1_000_000);
                        }
                    }
                    default ->
                    {
                        garbage.clear();                                    // talks, reads, closes
                        while (garbage.hasRemaining())
                        {
                            channel.write(garbage);
                        }
                        read(channel, buffer, want);
                    }
                }
            }
            sessions.incrementAndGet();
        }
    }

    private static void read(final SocketChannel channel, final ByteBuffer buffer, final long want) throws IOException
    {
        long got = 0;
        while (got < want)
        {
            buffer.clear();
            final int n = channel.read(buffer);
            if (n < 0)
            {
                return;
            }
            got += n;
        }
    }

    /** Runs CHURNERS churning threads until {@code deadlineNs}; returns the first failure, or null. */
    private static Throwable runChurners(final InetSocketAddress address, final long seed, final long deadlineNs,
        final AtomicLong rendered, final AtomicLong sessions) throws InterruptedException
    {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CHURNERS; i++)
        {
            final long s = seed + i;
            final Thread t = new Thread(() ->
            {
                try
                {
                    churn(address, s, deadlineNs, rendered, sessions);
                }
                catch (final IOException | RuntimeException ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "churner-" + i);
            t.start();
            threads.add(t);
        }
        for (final Thread t : threads)
        {
            t.join(TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()) + TestSupport.WAIT.toMillis());
            assertTrue(!t.isAlive(), t.getName() + " did not finish");
        }
        return failure.get();
    }

    /**
     * 20 s of churn after a 2 s warm-up (which loads every class and JDK cache the soak uses, so
     * the baseline is the steady state): six threads connect, each session reading 16 to 272 KiB
     * and leaving by close, reset, half-close first, never reading, or sending 64 KiB of garbage,
     * while the producer renders 4 KiB buffers at about 16 MB/s. Then every session has left and
     * the sink noticed: open file descriptors are back at the baseline (2 of slack for the JVM's
     * own), the sink's threads are the same and no other thread is left, heap after a collection
     * is within 4 MiB of the baseline, and every client had added, removed (CLOSED: each peer
     * left) and socket-removed exactly once, in order.
     */
    @Test
    void churnForTwentySecondsReturnsToTheBaselineWithOneRemovalPerClient() throws Exception
    {
        final Ledger ledger = new Ledger();
        final AtomicLong rendered = new AtomicLong();
        final AtomicLong sessions = new AtomicLong();
        final AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        try (TcpServerSink server = new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0)))
        {
            server.sink().addListener(ledger);
            server.start();
            final InetSocketAddress address = new InetSocketAddress(HOST, server.currentPort());
            final ByteBuffer[] pool = new ByteBuffer[256];
            for (int i = 0; i < pool.length; i++)
            {
                pool[i] = ByteBuffer.allocateDirect(SIZE);
                pool[i].putInt(0, i);
            }
            final Thread producer = new Thread(() ->
            {
                try
                {
                    while (!Thread.currentThread().isInterrupted())
                    {
                        final long i = rendered.get();
                        server.sink().render(pool[(int)(i % pool.length)].duplicate(), BufferFlags.NONE,
                            MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
                        rendered.incrementAndGet();
                        LockSupport.parkNanos(250_000); // pacing: about 16 MB/s
                    }
                }
                catch (final RuntimeException ex)
                {
                    producerFailure.set(ex);
                }
            }, "churn-producer");
            producer.start();
            try
            {
                assertNull(runChurners(address, 800, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WARM_UP_MS),
                    rendered, sessions));
                await(() -> server.sink().stats().numHandles() == 0, () -> "warm-up sessions gone");
                final long fds = JvmResources.openFds();
                final int threads = JvmResources.threads();
                final long sinkThreads = JvmResources.threadsNamed("fanout-");
                final long heap = JvmResources.heapAfterGc();
                final long warmUpSessions = sessions.get();

                final Throwable failure = runChurners(address, 900,
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SOAK_MS), rendered, sessions);
                assertNull(failure, "a churning client failed");
                await(() -> server.sink().stats().numHandles() == 0,
                    () -> "every session left and the sink noticed: " + server.sink().stats().numHandles());
                final SinkStats stats = server.sink().stats();
                ledger.checkAndForget();
                final long soakSessions = sessions.get() - warmUpSessions;
                assertTrue(soakSessions >= 500, "only " + soakSessions + " sessions in " + SOAK_MS + " ms");
                assertEquals(sessions.get(), stats.clientsAdded(), "one client per session");
                assertEquals(stats.clientsAdded(), stats.removed(ClientStatus.CLOSED),
                    "every peer left: CLOSED; " + stats.clientsRemoved());
                assertEquals(0, server.refusedClients());
                assertEquals(0, server.acceptFailures());

                assertTrue(JvmResources.openFds() <= fds + 2, "file descriptors: " + JvmResources.openFds() +
                    " after " + soakSessions + " sessions, baseline " + fds);
                assertEquals(sinkThreads, JvmResources.threadsNamed("fanout-"), "the sink's threads");
                assertTrue(JvmResources.threads() <= threads, "threads: " + JvmResources.threads() + ", baseline " + threads);
                final long heapGrowth = JvmResources.heapAfterGc() - heap;
                assertTrue(heapGrowth < 4L << 20, "heap after GC grew by " + heapGrowth + " over " + soakSessions +
                    " sessions");
            }
            finally
            {
                producer.interrupt();
                producer.join(TestSupport.WAIT.toMillis());
            }
            assertNull(producerFailure.get());
        }
    }
}
