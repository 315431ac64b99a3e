package io.fanout.bench;

import com.sun.management.UnixOperatingSystemMXBean;
import io.fanout.sink.BufferFlags;
import io.fanout.sink.ClientStats;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkListener;
import io.fanout.sink.SinkStats;
import io.fanout.sink.TcpServerSink;
import io.fanout.sink.UnitFormat;
import io.fanout.testkit.LoopbackPairs;
import io.fanout.testkit.LoopbackReaders;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The load scenarios of issue 6 that the test suite runs only in a bounded form, as a plain main
 * (not JMH: each scenario is one long run that reports its own figures). Loopback only.
 *
 * <pre>
 * mvn -B -DskipTests -pl sink-bench -am package
 * java -cp sink-bench/target/benchmarks.jar io.fanout.bench.ReliabilityBench isolation --seconds 10
 * java -cp sink-bench/target/benchmarks.jar io.fanout.bench.ReliabilityBench memory --seconds 30
 * java -cp sink-bench/target/benchmarks.jar io.fanout.bench.ReliabilityBench churn --seconds 30 --clients 16
 * </pre>
 * <ul>
 * <li><b>isolation</b> ({@code --clients 50 --stalled 5 --seconds 5 --rounds 2 --policy resync|slow}):
 * the readers' throughput with the stalled clients against runs without them, alternated
 * ({@code rounds} of each, after a warm-up; the ratio of the means must stay above 0.95), every
 * byte checked in order (a sequence stamp per 64 KiB buffer). The producer stays at most 4 MiB
 * ahead of the slowest reader, so readers are never near the 16 MiB lag limit that resyncs
 * (resync-latest) or removes (slow) the stalled clients. With resync-latest a stalled client
 * skips buffers until the queue capacity (64 MiB) laps the buffer it is half-way through, which
 * it can never finish: then it is removed SLOW (docs/semantics.md A.2.9). Each stalled socket is added again when
 * it is removed (its socket is still full), so that five clients that never read are there for
 * the whole run.</li>
 * <li><b>memory</b> ({@code --seconds 30 --stalled 100}): the default configuration, 100 clients
 * that never read (each re-added with the same socket when the queue laps it), a producer
 * filling 64 KiB buffers as fast as it can. Reports the peak retained bytes, direct memory and
 * heap, and the peak RSS ({@code VmHWM} of /proc/self/status).</li>
 * <li><b>churn</b> ({@code --seconds 30 --clients 16}): clients connecting to a TcpServerSink and
 * leaving in every way a peer can while 4 KiB buffers flow at about 16 MB/s; after a warm-up
 * baseline, reports sessions, and open descriptors, threads and heap after GC against the
 * baseline, and checks that every client had exactly one clientRemoved and one
 * clientSocketRemoved.</li>
 * </ul>
 * Exit status 0 when the scenario's guarantees held, 1 otherwise, 2 for a usage error.
 */
public final class ReliabilityBench
{
    private static final int SIZE = 64 * 1024;
    private static final long NONE = MultiSocketSink.CLOCK_TIME_NONE;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private ReliabilityBench()
    {
    }

    /**
     * @param args the scenario ({@code isolation}, {@code memory}, {@code churn}), then
     *             {@code --name value} options.
     * @throws Exception when the scenario cannot run.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length == 0)
        {
            usage();
            return;
        }
        final Map<String, String> options = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2)
        {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        final boolean ok;
        switch (args[0])
        {
            case "isolation" -> ok = isolation(intOption(options, "clients", 50), intOption(options, "stalled", 5),
                intOption(options, "seconds", 5), intOption(options, "rounds", 2), options.getOrDefault("policy", "resync"));
            case "memory" -> ok = memory(intOption(options, "seconds", 30), intOption(options, "stalled", 100));
            case "churn" -> ok = churn(intOption(options, "seconds", 30), intOption(options, "clients", 16));
            default ->
            {
                usage();
                return;
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static void usage()
    {
        System.err.println("usage: ReliabilityBench isolation|memory|churn [--seconds N] [--clients N] [--stalled N]"
            + " [--rounds N] [--policy resync|slow]");
        System.exit(2);
    }

    private static int intOption(final Map<String, String> options, final String name, final int defaultValue)
    {
        return options.containsKey(name) ? Integer.parseInt(options.get(name)) : defaultValue;
    }

    private static void print(final String format, final Object... values)
    {
        System.out.println(String.format(Locale.ROOT, format, values));
    }

    // ------------------------------------------------------------------------------------------
    // isolation
    // ------------------------------------------------------------------------------------------

    private record Phase(double megabytesPerSecond, long bytes, long stampErrors, long stalledConnected,
                         long stalledDropped, long stalledRemovedSlow, long stalledLapped, long readersDropped)
    {
    }

    private static boolean isolation(final int clients, final int stalled, final int seconds, final int rounds,
        final String policy) throws IOException
    {
        final long limit = 16L << 20;
        final SinkConfig config = policy.equals("slow") ?
            SinkConfig.builder().unitFormat(UnitFormat.BYTES).unitsMax(limit).build() :
            SinkConfig.builder().unitFormat(UnitFormat.BYTES).unitsSoftMax(limit)
                .recoverPolicy(RecoverPolicy.RESYNC_LATEST).build();
        final int readers = clients - stalled;
        print("isolation: %d readers, %d stalled, policy %s, %d rounds of %d s without and %d s with them, 64 KiB "
            + "buffers", readers, stalled, policy, rounds, seconds, seconds);
        runPhase(config, readers, 0, 3); // warm-up, not reported
        double without = 0;
        double with = 0;
        long errors = 0;
        long readersDropped = 0;
        boolean stalledHandled = true;
        for (int round = 1; round <= rounds; round++)
        {
            final Phase alone = runPhase(config, readers, 0, seconds);
            final Phase mixed = runPhase(config, readers, stalled, seconds);
            without += alone.megabytesPerSecond() / rounds;
            with += mixed.megabytesPerSecond() / rounds;
            errors += alone.stampErrors() + mixed.stampErrors();
            readersDropped += alone.readersDropped() + mixed.readersDropped();
            print("  round %d without: %.1f MB/s to %d readers (%.1f MB/s each), %d bytes checked in order, %d errors",
                round, alone.megabytesPerSecond(), readers, alone.megabytesPerSecond() / readers, alone.bytes(),
                alone.stampErrors());
            print("  round %d with:    %.1f MB/s to %d readers (%.1f MB/s each), %d bytes checked in order, %d errors",
                round, mixed.megabytesPerSecond(), readers, mixed.megabytesPerSecond() / readers, mixed.bytes(),
                mixed.stampErrors());
            print("  round %d stalled: %d removals SLOW (%d of them lapped by the capacity), each socket added again; "
                + "%d buffers skipped by resync; %d connected at the end", round, mixed.stalledRemovedSlow(),
                mixed.stalledLapped(), mixed.stalledDropped(), mixed.stalledConnected());
            stalledHandled &= mixed.stalledRemovedSlow() > 0 || mixed.stalledDropped() > 0;
        }
        final double ratio = with / without;
        print("  mean without: %.1f MB/s; mean with: %.1f MB/s; buffers readers skipped: %d", without, with,
            readersDropped);
        print("  isolation ratio (with / without): %.3f", ratio);
        return ratio >= 0.95 && errors == 0 && readersDropped == 0 && stalledHandled;
    }

    private static Phase runPhase(final SinkConfig config, final int readers, final int stalled, final int seconds)
        throws IOException
    {
        final List<SocketChannel> readerServers = new ArrayList<>();
        final List<SocketChannel> stalledServers = new ArrayList<>();
        final List<SocketChannel> readerClients = new ArrayList<>();
        final MultiSocketSink sink = new MultiSocketSink(config);
        final AtomicLong droppedAtRemoval = new AtomicLong();
        final ConcurrentLinkedQueue<SocketChannel> removed = new ConcurrentLinkedQueue<>();
        sink.addListener(new SinkListener()
        {
            @Override
            public void clientRemoved(final SocketChannel channel, final ClientStatus status)
            {
                final ClientStats stats = sink.getStats(channel); // selector thread: works inside clientRemoved
                droppedAtRemoval.addAndGet(stats == null ? 0 : stats.buffersDropped());
            }

            @Override
            public void clientSocketRemoved(final SocketChannel channel)
            {
                removed.add(channel);
            }
        });
        final LoopbackPairs pairs = new LoopbackPairs();
        try
        {
            sink.start();
            for (int i = 0; i < readers + stalled; i++)
            {
                final boolean isStalled = stalled > 0 && i % ((readers + stalled) / stalled) == 0 &&
                    stalledServers.size() < stalled;
                final LoopbackPairs.Pair pair = isStalled ? pairs.pair(4096, 4096) : pairs.pair();
                if (isStalled)
                {
                    stalledServers.add(pair.server());
                }
                else
                {
                    readerClients.add(pair.client());
                    readerServers.add(pair.server());
                }
                sink.add(pair.server());
            }
            try (LoopbackReaders reading = LoopbackReaders.builder("bench-readers").bufferBytes(256 * 1024)
                .check(new StampCheck(readerClients.size())).start(readerClients))
            {
                final long window = 4L << 20;
                final long startNs = System.nanoTime();
                final long endNs = startNs + TimeUnit.SECONDS.toNanos(seconds);
                long seq = 0;
                while (System.nanoTime() - endNs < 0)
                {
                    SocketChannel again;
                    while ((again = removed.poll()) != null)
                    {
                        sink.add(again); // a stalled socket, still full: stalled again at once
                    }
                    if (seq * SIZE - reading.minReceived() > window)
                    {
                        Thread.onSpinWait(); // flow control: the slowest reader is 4 MiB behind
                        continue;
                    }
                    final ByteBuffer memory = sink.claim(SIZE);
                    memory.putLong(seq);
                    memory.position(memory.position() + SIZE - Long.BYTES); // the slab's old bytes are payload
                    sink.commit(SIZE, BufferFlags.NONE, NONE, NONE);
                    seq++;
                }
                final long bytes = reading.totalReceived();
                final double elapsed = (System.nanoTime() - startNs) / 1e9;
                long stalledConnected = 0;
                long stalledDropped = droppedAtRemoval.get();
                for (final SocketChannel s : stalledServers)
                {
                    final ClientStats stats = sink.getStats(s);
                    if (stats != null)
                    {
                        stalledConnected++;
                        stalledDropped += stats.buffersDropped();
                    }
                }
                long readersDropped = 0;
                for (final SocketChannel r : readerServers)
                {
                    final ClientStats stats = sink.getStats(r);
                    readersDropped += stats == null ? Long.MAX_VALUE / 4 : stats.buffersDropped();
                }
                final SinkStats stats = sink.stats();
                return new Phase(bytes / elapsed / 1e6, bytes, reading.failures(), stalledConnected, stalledDropped,
                    stats.removed(ClientStatus.SLOW), stats.clientsLapped(), readersDropped);
            }
        }
        finally
        {
            sink.close();
            pairs.close();
        }
    }

    /**
     * Checks that each 64 KiB buffer's sequence stamp (its first 8 bytes) follows the last: every
     * byte in order, nothing skipped. A chunk holding a stamp out of order is one failure of the
     * readers (an error of the phase). Called on the readers' thread only: per-channel state.
     */
    private static final class StampCheck implements LoopbackReaders.Check
    {
        private final long[] stamp;
        private final long[] expect;

        StampCheck(final int channels)
        {
            stamp = new long[channels];
            expect = new long[channels];
        }

        @Override
        public String check(final int c, final long pos, final ByteBuffer chunk)
        {
            String problem = null;
            final int n = chunk.remaining();
            int i = 0;
            while (i < n)
            {
                final int inBuffer = (int)((pos + i) % SIZE);
                if (inBuffer >= Long.BYTES)
                {
                    i += SIZE - inBuffer; // to the next buffer's stamp
                    continue;
                }
                stamp[c] = (stamp[c] << 8) | (chunk.get(i) & 0xFF);
                if (inBuffer == Long.BYTES - 1)
                {
                    if (stamp[c] != expect[c] && problem == null)
                    {
                        problem = "channel " + c + ": stamp " + stamp[c] + " where " + expect[c] + " was expected";
                    }
                    expect[c] = stamp[c] + 1;
                    stamp[c] = 0;
                }
                i++;
            }
            return problem;
        }
    }

    // ------------------------------------------------------------------------------------------
    // memory
    // ------------------------------------------------------------------------------------------

    private static boolean memory(final int seconds, final int stalledCount) throws IOException
    {
        final SinkConfig config = SinkConfig.defaults();
        print("memory: default configuration (%d MiB, %d buffers), %d stalled clients, %d s, 64 KiB buffers as fast "
            + "as the producer fills them", config.queueCapacityBytes() >> 20, config.queueCapacityBuffers(), stalledCount,
            seconds);
        final long heapBefore = heapAfterGc();
        final long directBefore = directUsed();
        final long rssBefore = procStatusKiB("VmRSS");
        final ConcurrentLinkedQueue<SocketChannel> lapped = new ConcurrentLinkedQueue<>();
        final MultiSocketSink sink = new MultiSocketSink(config);
        sink.addListener(new SinkListener()
        {
            @Override
            public void clientSocketRemoved(final SocketChannel channel)
            {
                lapped.add(channel);
            }
        });
        long rendered = 0;
        long maxQueued = 0;
        long maxDirect = 0;
        long maxHeap = 0;
        final LoopbackPairs pairs = new LoopbackPairs();
        sink.start();
        for (int i = 0; i < stalledCount; i++)
        {
            sink.add(pairs.pair(4096, 4096).server());
        }
        final byte[] pattern = new byte[SIZE];
        new Random(1).nextBytes(pattern);
        final long startNs = System.nanoTime();
        final long endNs = startNs + TimeUnit.SECONDS.toNanos(seconds);
        long nextSampleNs = startNs;
        while (System.nanoTime() - endNs < 0)
        {
            SocketChannel again;
            while ((again = lapped.poll()) != null)
            {
                sink.add(again); // the same socket, still full: stalled again at once
            }
            for (int k = 0; k < 16; k++)
            {
                final ByteBuffer memory = sink.claim(SIZE);
                memory.put(pattern);
                sink.commit(SIZE, BufferFlags.NONE, NONE, NONE);
                rendered++;
            }
            if (System.nanoTime() - nextSampleNs >= 0)
            {
                nextSampleNs += TimeUnit.MILLISECONDS.toNanos(20);
                maxQueued = Math.max(maxQueued, sink.stats().bytesQueued());
                maxDirect = Math.max(maxDirect, directUsed() - directBefore);
                maxHeap = Math.max(maxHeap, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            }
        }
        final double elapsed = (System.nanoTime() - startNs) / 1e9;
        final SinkStats stats = sink.stats();
        final long heapAfter = heapAfterGc() - heapBefore;
        sink.close();
        pairs.close();
        final long capacity = config.queueCapacityBytes();
        final long bound = 2 * capacity + (5L << 20);
        print("  rendered %.1f GiB in %.1f s (%.2f GB/s); %d clients lapped and re-added (%d connected at the end)",
            rendered * (double)SIZE / (1 << 30), elapsed, rendered * (double)SIZE / elapsed / 1e9, stats.clientsLapped(),
            stats.numHandles());
        print("  peak retained bytes (sampled every 20 ms): %d of a %d capacity", maxQueued, capacity);
        print("  peak direct memory over the baseline: %.1f MiB (bound 2 x capacity + 5 MiB = %.1f MiB)",
            maxDirect / 1048576.0, bound / 1048576.0);
        print("  peak heap used (not collected): %.1f MiB; heap after GC over the baseline: %.1f MiB", maxHeap / 1048576.0,
            heapAfter / 1048576.0);
        print("  RSS before the sink: %.1f MiB; peak RSS of the process (VmHWM): %.1f MiB", rssBefore / 1024.0,
            procStatusKiB("VmHWM") / 1024.0);
        return maxQueued <= capacity && maxDirect <= bound;
    }

    // ------------------------------------------------------------------------------------------
    // churn
    // ------------------------------------------------------------------------------------------

    /** Per channel: 1 after clientAdded, 2 after clientRemoved, 3 after clientSocketRemoved; -1 out of order. */
    private static final class Ledger implements SinkListener
    {
        final Map<SocketChannel, Integer> state = new ConcurrentHashMap<>();
        final AtomicLong violations = new AtomicLong();

        private void step(final SocketChannel channel, final int from)
        {
            final Integer now = state.get(channel);
            if ((now == null ? 0 : now) != from)
            {
                violations.incrementAndGet();
            }
            state.put(channel, from + 1);
        }

        @Override
        public void clientAdded(final SocketChannel channel)
        {
            step(channel, 0);
        }

        @Override
        public void clientRemoved(final SocketChannel channel, final ClientStatus status)
        {
            step(channel, 1);
        }

        @Override
        public void clientSocketRemoved(final SocketChannel channel)
        {
            step(channel, 2);
        }
    }

    private static boolean churn(final int seconds, final int churners) throws Exception
    {
        print("churn: %d clients connecting and leaving continuously for %d s, 4 KiB buffers at about 16 MB/s", churners,
            seconds);
        final Ledger ledger = new Ledger();
        final AtomicLong rendered = new AtomicLong();
        final AtomicLong sessions = new AtomicLong();
        try (TcpServerSink server = new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(LOOPBACK, 0)))
        {
            server.sink().addListener(ledger);
            server.start();
            final InetSocketAddress address = new InetSocketAddress(LOOPBACK, server.currentPort());
            final Thread producer = new Thread(() ->
            {
                final ByteBuffer[] pool = new ByteBuffer[256];
                for (int i = 0; i < pool.length; i++)
                {
                    pool[i] = ByteBuffer.allocateDirect(4096);
                }
                while (!Thread.currentThread().isInterrupted())
                {
                    server.sink().render(pool[(int)(rendered.get() % pool.length)].duplicate(), BufferFlags.NONE, NONE,
                        NONE);
                    rendered.incrementAndGet();
                    LockSupport.parkNanos(250_000);
                }
            }, "bench-producer");
            producer.start();
            try
            {
                runChurners(address, churners, 2, rendered, sessions); // warm-up
                awaitNoClients(server);
                final long fds = openFds();
                final int threads = ManagementFactory.getThreadMXBean().getThreadCount();
                final long heap = heapAfterGc();
                final long warmUp = sessions.get();
                final long startNs = System.nanoTime();
                runChurners(address, churners, seconds, rendered, sessions);
                final double elapsed = (System.nanoTime() - startNs) / 1e9;
                awaitNoClients(server);
                final SinkStats stats = server.sink().stats();
                final long incomplete = ledger.state.values().stream().filter(s -> s != 3).count();
                final long clients = ledger.state.size();
                ledger.state.clear();
                final long fdsAfter = openFds();
                final int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
                final long heapGrowth = heapAfterGc() - heap;
                final long soak = sessions.get() - warmUp;
                print("  %d sessions in %.1f s (%.0f per second), %d clients in all", soak, elapsed, soak / elapsed,
                    clients);
                print("  removals: %s", stats.clientsRemoved());
                print("  callbacks out of order or repeated: %d; clients without all three callbacks: %d",
                    ledger.violations.get(), incomplete);
                print("  open descriptors: baseline %d, after %d", fds, fdsAfter);
                print("  threads: baseline %d, after %d", threads, threadsAfter);
                print("  heap after GC: %+.2f MiB against the baseline", heapGrowth / 1048576.0);
                return ledger.violations.get() == 0 && incomplete == 0 && fdsAfter <= fds + 2 && threadsAfter <= threads &&
                    heapGrowth < 4L << 20 && stats.clientsAdded() == clients;
            }
            finally
            {
                producer.interrupt();
                producer.join(5_000);
            }
        }
    }

    private static void awaitNoClients(final TcpServerSink server)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.sink().stats().numHandles() > 0 && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void runChurners(final InetSocketAddress address, final int count, final int seconds,
        final AtomicLong rendered, final AtomicLong sessions) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        final List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final long seed = i * 31L + seconds;
            final Thread t = new Thread(() -> churnUntil(address, seed, deadline, rendered, sessions), "bench-churner-" + i);
            t.start();
            threads.add(t);
        }
        for (final Thread t : threads)
        {
            t.join();
        }
    }

    /** Sessions until the deadline: read 16 to 272 KiB then close, reset, half-close first, never read, or talk. */
    private static void churnUntil(final InetSocketAddress address, final long seed, final long deadline,
        final AtomicLong rendered, final AtomicLong sessions)
    {
        final Random random = new Random(seed);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
        while (System.nanoTime() - deadline < 0)
        {
            final int mode = random.nextInt(5);
            final long want = 16 * 1024 + random.nextInt(256 * 1024);
            try (SocketChannel channel = SocketChannel.open(address))
            {
                if (mode == 2)
                {
                    channel.shutdownOutput();
                }
                if (mode == 4)
                {
                    buffer.clear();
                    while (buffer.hasRemaining())
                    {
                        channel.write(buffer);
                    }
                }
                if (mode == 3)
                {
                    final long until = rendered.get() + 64;
                    while (rendered.get() < until && System.nanoTime() - deadline < 0)
                    {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
                else
                {
                    for (long got = 0; got < want; )
                    {
                        final int n = channel.read(buffer.clear());
                        if (n < 0)
                        {
                            break;
                        }
                        got += n;
                    }
                }
                if (mode == 1)
                {
                    channel.setOption(StandardSocketOptions.SO_LINGER, 0);
                }
            }
            catch (final IOException ex)
            {
                System.err.println("churner: " + ex);
            }
            sessions.incrementAndGet();
        }
    }

    // ------------------------------------------------------------------------------------------
    // the process
    // ------------------------------------------------------------------------------------------

    private static long heapAfterGc()
    {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long directUsed()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if ("direct".equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    private static long openFds()
    {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix ?
            unix.getOpenFileDescriptorCount() : -1;
    }

    /** @return a {@code kB} field of /proc/self/status (VmRSS, VmHWM), or -1 off Linux. */
    private static long procStatusKiB(final String field)
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith(field + ":"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final IOException ex)
        {
            // not Linux
        }
        return -1;
    }
}
