package io.fanout.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The load generator: N TCP clients against one server, and optionally the server's input.
 * <p>
 * Two threads: the <b>reader</b> (one NIO selector) connects the clients at a bounded rate, reads
 * and counts everything they receive, optional slow readers at a capped rate; the <b>feeder</b>
 * writes the server's input into a FIFO (the server's standard input), either at a fixed bit
 * rate, or as fast as the clients take it: in {@code --rate max} mode it never gets more than
 * {@code --window} bytes ahead of the median client, so that "max rate" is the rate the server
 * sustains to its clients (closed loop) and no server has to queue without bound. With
 * {@code --timestamps} the input is 188-byte MPEG-TS packets stamped with the send time, and the
 * clients report producer-to-client latency (HdrHistogram).
 * <p>
 * Timeline: open the feed (the server starts reading), wait for the port, sample the server's
 * baseline (RSS, and live heap with {@code --jvm-heap}), connect every client, settle, start the
 * feed, warm up, measure a window, sample again, stop. One {@code RESULT key=value ...} line sums
 * it up for scripts.
 * <p>
 * Run: {@code java -cp sink-bench/target/benchmarks.jar io.fanout.bench.LoadGen --help}
 */
public final class LoadGen
{
    private static final String HELP = String.join("\n",
        "usage: LoadGen --port P [options]",
        "  --host H              server address (127.0.0.1)",
        "  --port P              server port",
        "  --clients N           clients to connect (100)",
        "  --slow K              the last K clients read slowly (0)",
        "  --slow-rate BPS       bytes/s per slow client (25000)",
        "  --connect-rate R      connections started per second (2000)",
        "  --connect-inflight K  connections in progress at once (8)",
        "  --feed PATH           write the server's input here (a FIFO); none: clients only",
        "  --chunk B             bytes per input write = per server buffer (65536)",
        "  --rate BITS|max       input rate in bits/s, or max (closed loop) (max)",
        "  --window B            max mode: most bytes the feed runs ahead of the median client (16777216)",
        "  --timestamps          stamped TS packets; report producer-to-client latency",
        "  --warmup S            seconds of feed before the window (3)",
        "  --duration S          seconds measured (12)",
        "  --settle S            seconds between the last connect and the feed (1);",
        "                        connecting gives up after max(20 s, clients / 500 s)",
        "  --server-pid PID      sample this process's CPU and RSS over the window",
        "  --jvm-heap            the server is a JVM: live heap (jcmd GC.class_histogram) before and after",
        "  --label NAME          printed with the results",
        "  --quiet               only the RESULT line");

    // options
    private String host = "127.0.0.1";
    private int port = -1;
    private int clients = 100;
    private int slow;
    private long slowRate = 25_000;
    private int connectRate = 2000;
    private int connectInflight = 8;
    private String feed;
    private int chunk = 65536;
    private long rateBits; // 0: max
    private long window = 16L << 20;
    private boolean timestamps;
    private double warmupS = 3;
    private double durationS = 12;
    private double settleS = 1;
    private long serverPid = -1;
    private boolean jvmHeap;
    private String label = "";
    private boolean quiet;

    // shared between threads
    private AtomicLongArray received;
    private final AtomicLong fed = new AtomicLong();
    private volatile boolean stopFeed;
    private volatile boolean stopReader;
    private volatile long windowStartNs = Long.MAX_VALUE;
    private volatile long windowEndNs = Long.MAX_VALUE;
    private volatile boolean windowDone;
    private volatile int connected;
    private volatile long feedStartNs = Long.MAX_VALUE;

    // reader-thread state
    private ClientState[] states;
    private Histogram latency;
    private final Histogram[] latencyRef = new Histogram[1];
    private long[] bytesAtStart;
    private long[] bytesAtEnd;
    private long fedAtStart;
    private long fedAtEnd;
    private long cpuAtStart = -1;
    private long cpuAtEnd = -1;
    private long rssAtEnd = -1;
    private long actualWindowNs;
    private int connectFailures;
    private int closedByServer;

    /**
     * @param args the options, see {@code --help}.
     * @throws Exception when the run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final LoadGen gen = new LoadGen();
        if (!gen.parse(args))
        {
            System.out.println(HELP);
            return;
        }
        System.exit(gen.run(System.out));
    }

    boolean parse(final String[] args)
    {
        for (int i = 0; i < args.length; i++)
        {
            final String a = args[i];
            switch (a)
            {
                case "--help":
                    return false;
                case "--timestamps":
                    timestamps = true;
                    continue;
                case "--jvm-heap":
                    jvmHeap = true;
                    continue;
                case "--quiet":
                    quiet = true;
                    continue;
                default:
                    break;
            }
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException(a + " needs a value");
            }
            final String v = args[++i];
            switch (a)
            {
                case "--host": host = v; break;
                case "--port": port = Integer.parseInt(v); break;
                case "--clients": clients = Integer.parseInt(v); break;
                case "--slow": slow = Integer.parseInt(v); break;
                case "--slow-rate": slowRate = Long.parseLong(v); break;
                case "--connect-rate": connectRate = Integer.parseInt(v); break;
                case "--connect-inflight": connectInflight = Integer.parseInt(v); break;
                case "--feed": feed = v; break;
                case "--chunk": chunk = Integer.parseInt(v); break;
                case "--rate": rateBits = "max".equals(v) ? 0 : Long.parseLong(v); break;
                case "--window": window = Long.parseLong(v); break;
                case "--warmup": warmupS = Double.parseDouble(v); break;
                case "--duration": durationS = Double.parseDouble(v); break;
                case "--settle": settleS = Double.parseDouble(v); break;
                case "--server-pid": serverPid = Long.parseLong(v); break;
                case "--label": label = v; break;
                default: throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (port < 0)
        {
            throw new IllegalArgumentException("--port is required");
        }
        if (timestamps && chunk % StampedPackets.PACKET != 0)
        {
            throw new IllegalArgumentException("--timestamps needs --chunk a multiple of 188");
        }
        return true;
    }

    private void log(final PrintStream out, final String format, final Object... args)
    {
        if (!quiet)
        {
            out.println("loadgen" + label() + ": " + String.format(Locale.ROOT, format, args));
            out.flush();
        }
    }

    private String label()
    {
        return label.isEmpty() ? "" : " [" + label + "]";
    }

    int run(final PrintStream out) throws Exception
    {
        received = new AtomicLongArray(clients);
        states = new ClientState[clients];
        latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final ProcSampler server = serverPid > 0 ? new ProcSampler(serverPid) : null;
        final InetSocketAddress address = new InetSocketAddress(host, port);

        FileChannel feedChannel = null;
        if (feed != null)
        {
            log(out, "opening the feed %s", feed);
            feedChannel = FileChannel.open(Path.of(feed), StandardOpenOption.WRITE); // waits for the reader of a FIFO
        }
        awaitPort(address, 60_000);
        long rssBase = -1;
        long heapBase = -1;
        if (server != null)
        {
            heapBase = jvmHeap ? server.liveHeapBytes() : -1;
            rssBase = server.rssBytes();
        }
        log(out, "connecting %d clients to %s", clients, address);
        final Thread reader = new Thread(() -> readerLoop(address), "loadgen-reader");
        reader.start();
        final long connectDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(20, clients / 500));
        while (connected + connectFailures < clients && System.nanoTime() < connectDeadline && reader.isAlive())
        {
            Thread.sleep(10);
        }
        log(out, "%d connected, %d failed", connected, connectFailures);
        Thread.sleep((long)(settleS * 1000));

        Thread feeder = null;
        if (feedChannel != null)
        {
            final FileChannel channel = feedChannel;
            feeder = new Thread(() -> feedLoop(channel), "loadgen-feeder");
            feeder.start();
        }
        final long start = System.nanoTime();
        feedStartNs = start;
        windowEndNs = start + (long)((warmupS + durationS) * 1e9);
        windowStartNs = start + (long)(warmupS * 1e9);
        while (!windowDone && reader.isAlive())
        {
            Thread.sleep(5);
        }
        long heapEnd = -1;
        if (server != null && jvmHeap)
        {
            heapEnd = server.liveHeapBytes(); // clients still connected, feed still running
        }
        stopFeed = true;
        if (feeder != null)
        {
            feeder.join(5_000);
        }
        if (feedChannel != null)
        {
            feedChannel.close();
        }
        stopReader = true;
        reader.join(10_000);
        report(out, rssBase, heapBase, heapEnd);
        return 0;
    }

    private static void awaitPort(final InetSocketAddress address, final long timeoutMs) throws Exception
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (true)
        {
            try (SocketChannel probe = SocketChannel.open(address))
            {
                return;
            }
            catch (final ConnectException ex)
            {
                if (System.currentTimeMillis() > deadline)
                {
                    throw ex;
                }
                Thread.sleep(50);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // feeder thread
    // ------------------------------------------------------------------------------------------

    private void feedLoop(final FileChannel out)
    {
        final int perWrite = rateBits > 0 ? 1 : Math.max(1, 65536 / chunk);
        final ByteBuffer block = ByteBuffer.allocateDirect(chunk * perWrite);
        StampedPackets.fill(block);
        final long[] snapshot = new long[clients];
        final long[] scratch = new long[clients];
        final long interval = rateBits > 0 ? LoadStats.intervalNs(chunk, rateBits) : 0;
        long next = System.nanoTime();
        long allowed = window;
        long total = 0;
        try
        {
            while (!stopFeed)
            {
                if (rateBits > 0)
                {
                    final long wait = next - System.nanoTime();
                    if (wait > 0)
                    {
                        LockSupport.parkNanos(wait);
                        continue;
                    }
                    next += interval;
                }
                else if (total >= allowed)
                {
                    // closed loop: never more than the window ahead of the median client
                    for (int i = 0; i < clients; i++)
                    {
                        snapshot[i] = received.get(i);
                    }
                    allowed = LoadStats.quantileOf(snapshot, scratch, clients, 0.5) + window;
                    if (total >= allowed)
                    {
                        LockSupport.parkNanos(50_000);
                        continue;
                    }
                }
                block.clear();
                if (timestamps)
                {
                    StampedPackets.stamp(block, 0, block.capacity(), System.nanoTime());
                }
                while (block.hasRemaining())
                {
                    out.write(block);
                }
                total += block.capacity();
                fed.lazySet(total);
            }
        }
        catch (final IOException ex)
        {
            if (!stopFeed)
            {
                System.err.println("loadgen: feed failed: " + ex);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // reader thread
    // ------------------------------------------------------------------------------------------

    private static final class ClientState
    {
        final int index;
        final boolean slow;
        final StampedPackets.Parser parser = new StampedPackets.Parser();
        SocketChannel channel;
        SelectionKey key;
        long connectedNs;
        long firstByteNs;
        long bytes;
        long tokens;
        long tokensAtNs;
        boolean closed;
        boolean paused;

        ClientState(final int index, final boolean slow)
        {
            this.index = index;
            this.slow = slow;
        }
    }

    private void readerLoop(final InetSocketAddress address)
    {
        scratch = ByteBuffer.allocateDirect(256 * 1024);
        final List<ClientState> paused = this.paused;
        currentSelector = null;
        final StampedPackets.LatencySink record = ns -> latencyRef[0].recordValue(Math.max(0, Math.min(ns, latency.getHighestTrackableValue())));
        latencyRef[0] = latency;
        int started = 0;
        int inflight = 0;
        final long connectStart = System.nanoTime();
        final long perConnectNs = 1_000_000_000L / Math.max(1, connectRate);
        try (Selector selector = Selector.open())
        {
            currentSelector = selector;
            final java.util.function.Consumer<SelectionKey> onKey = this::onKey;
            while (!stopReader)
            {
                long now = System.nanoTime();
                // connect, paced: at most connectRate per second and connectInflight at once
                while (started < clients && inflight < connectInflight && now - connectStart >= started * perConnectNs)
                {
                    final ClientState c = new ClientState(started, started >= clients - slow);
                    states[started++] = c;
                    try
                    {
                        c.channel = SocketChannel.open();
                        c.channel.configureBlocking(false);
                        c.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        if (c.channel.connect(address))
                        {
                            connectedNow(c, selector, now);
                        }
                        else
                        {
                            c.key = c.channel.register(selector, SelectionKey.OP_CONNECT, c);
                            inflight++;
                        }
                    }
                    catch (final IOException ex)
                    {
                        failed(c);
                    }
                }
                currentSink = now >= windowStartNs && now < windowEndNs ? record : null;
                inflightDelta = 0;
                selector.select(onKey, 1);
                inflight += inflightDelta;
                now = System.nanoTime();
                if (!paused.isEmpty())
                {
                    for (int i = paused.size() - 1; i >= 0; i--)
                    {
                        final ClientState c = paused.get(i);
                        refill(c, now);
                        if (c.tokens > 0 && !c.closed)
                        {
                            c.paused = false;
                            c.key.interestOps(SelectionKey.OP_READ);
                            paused.remove(i);
                        }
                    }
                }
                if (bytesAtStart == null && now >= windowStartNs)
                {
                    bytesAtStart = snapshotBytes();
                    fedAtStart = fed.get();
                    cpuAtStart = serverPid > 0 ? new ProcSampler(serverPid).cpuTicks() : -1;
                    windowStartNs = now;
                }
                if (bytesAtStart != null && bytesAtEnd == null && now >= windowEndNs)
                {
                    bytesAtEnd = snapshotBytes();
                    fedAtEnd = fed.get();
                    actualWindowNs = now - windowStartNs;
                    if (serverPid > 0)
                    {
                        final ProcSampler s = new ProcSampler(serverPid);
                        cpuAtEnd = s.cpuTicks();
                        rssAtEnd = s.rssBytes();
                    }
                    windowDone = true;
                }
            }
            for (final ClientState c : states)
            {
                if (c != null && c.channel != null)
                {
                    c.channel.close();
                }
            }
        }
        catch (final IOException ex)
        {
            System.err.println("loadgen: reader failed: " + ex);
        }
        finally
        {
            windowDone = true;
        }
    }

    private ByteBuffer scratch;
    private final List<ClientState> paused = new ArrayList<>();
    private Selector currentSelector;
    private StampedPackets.LatencySink currentSink;
    private int inflightDelta;

    private void onKey(final SelectionKey key)
    {
        final ClientState c = (ClientState)key.attachment();
        try
        {
            if (key.isConnectable())
            {
                inflightDelta--;
                if (c.channel.finishConnect())
                {
                    connectedNow(c, currentSelector, System.nanoTime());
                }
                return;
            }
            if (key.isReadable())
            {
                read(c, scratch, currentSink, paused);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            if (c.connectedNs == 0)
            {
                failed(c);
            }
            else
            {
                serverClosed(c);
            }
        }
    }

    private long[] snapshotBytes()
    {
        final long[] b = new long[clients];
        for (int i = 0; i < clients; i++)
        {
            b[i] = states[i] == null ? 0 : states[i].bytes;
        }
        return b;
    }

    private void connectedNow(final ClientState c, final Selector selector, final long now) throws IOException
    {
        c.connectedNs = now;
        c.tokensAtNs = now;
        c.tokens = slowRate / 10;
        if (c.key == null)
        {
            c.key = c.channel.register(selector, SelectionKey.OP_READ, c);
        }
        else
        {
            c.key.interestOps(SelectionKey.OP_READ);
        }
        connected++;
    }

    private void failed(final ClientState c)
    {
        connectFailures++;
        c.closed = true;
        closeQuietly(c);
    }

    private void serverClosed(final ClientState c)
    {
        if (!c.closed)
        {
            c.closed = true;
            if (!stopReader)
            {
                closedByServer++;
            }
        }
        closeQuietly(c);
    }

    private static void closeQuietly(final ClientState c)
    {
        try
        {
            if (c.channel != null)
            {
                c.channel.close();
            }
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
    }

    private void refill(final ClientState c, final long now)
    {
        final long add = (now - c.tokensAtNs) * slowRate / 1_000_000_000L;
        if (add > 0)
        {
            c.tokens = Math.min(slowRate / 10 + 1, c.tokens + add);
            c.tokensAtNs = now;
        }
    }

    private void read(final ClientState c, final ByteBuffer scratch, final StampedPackets.LatencySink sink,
        final List<ClientState> paused) throws IOException
    {
        int budget = c.slow ? 0 : Integer.MAX_VALUE;
        if (c.slow)
        {
            refill(c, System.nanoTime());
            budget = (int)Math.min(Integer.MAX_VALUE, c.tokens);
            if (budget <= 0)
            {
                pause(c, paused);
                return;
            }
        }
        while (budget > 0)
        {
            scratch.clear();
            if (budget < scratch.capacity())
            {
                scratch.limit(budget);
            }
            final int n = c.channel.read(scratch);
            if (n < 0)
            {
                serverClosed(c);
                return;
            }
            if (n == 0)
            {
                return;
            }
            final long now = System.nanoTime();
            if (c.bytes == 0)
            {
                c.firstByteNs = now;
            }
            c.bytes += n;
            received.lazySet(c.index, c.bytes);
            if (timestamps)
            {
                c.parser.parse(scratch, 0, n, now, sink);
            }
            if (c.slow)
            {
                c.tokens -= n;
                budget -= n;
            }
        }
        if (c.slow)
        {
            pause(c, paused);
        }
    }

    private static void pause(final ClientState c, final List<ClientState> paused)
    {
        if (!c.paused)
        {
            c.paused = true;
            c.key.interestOps(0);
            paused.add(c);
        }
    }

    // ------------------------------------------------------------------------------------------
    // report
    // ------------------------------------------------------------------------------------------

    private void report(final PrintStream out, final long rssBase, final long heapBase, final long heapEnd)
    {
        final long windowNs = Math.max(1, actualWindowNs);
        final double[] rates = new double[clients - slow];
        final double[] slowRates = new double[slow];
        long aggregate = 0;
        int noData = 0;
        final List<Long> ttfb = new ArrayList<>();
        for (int i = 0; i < clients; i++)
        {
            final ClientState c = states[i];
            final long start = bytesAtStart == null ? 0 : bytesAtStart[i];
            final long end = bytesAtEnd == null ? (c == null ? 0 : c.bytes) : bytesAtEnd[i];
            final long inWindow = end - start;
            aggregate += inWindow;
            if (i < clients - slow)
            {
                rates[i] = LoadStats.mbPerSecond(inWindow, windowNs);
            }
            else
            {
                slowRates[i - (clients - slow)] = LoadStats.mbPerSecond(inWindow, windowNs);
            }
            if (c == null || end == 0)
            {
                noData++;
            }
            else if (c.firstByteNs > 0)
            {
                ttfb.add(c.firstByteNs - Math.max(c.connectedNs, feedStartNs));
            }
        }
        Arrays.sort(rates);
        Arrays.sort(slowRates);
        final long[] ttfbSorted = ttfb.stream().mapToLong(Long::longValue).sorted().toArray();
        final double agg = LoadStats.mbPerSecond(aggregate, windowNs);
        final double feedRate = LoadStats.mbPerSecond(fedAtEnd - fedAtStart, windowNs);
        final double min = LoadStats.percentile(rates, 0);
        final double med = LoadStats.percentile(rates, 0.5);
        final double max = LoadStats.percentile(rates, 1);
        final double cpu = cpuAtStart >= 0 && cpuAtEnd >= 0 ?
            LoadStats.cpuPercent(cpuAtEnd - cpuAtStart, ProcSampler.CLK_TCK, windowNs) : -1;
        final double rssPerClient = rssBase > 0 && rssAtEnd > 0 ? (rssAtEnd - rssBase) / (double)clients : -1;
        final double heapPerClient = heapBase > 0 && heapEnd > 0 ? (heapEnd - heapBase) / (double)clients : -1;
        final StringBuilder r = new StringBuilder("RESULT");
        kv(r, "label", label.isEmpty() ? "-" : label);
        kv(r, "clients", clients);
        kv(r, "connected", connected);
        kv(r, "connect_failed", connectFailures);
        kv(r, "closed_by_server", closedByServer);
        kv(r, "no_data", noData);
        kv(r, "window_s", windowNs / 1e9);
        kv(r, "feed_MBps", feedRate);
        kv(r, "agg_MBps", agg);
        kv(r, "min_MBps", min);
        kv(r, "med_MBps", med);
        kv(r, "max_MBps", max);
        kv(r, "min_over_med", med > 0 ? min / med : 0);
        kv(r, "min_over_feed", feedRate > 0 ? min / feedRate : 0);
        kv(r, "slow_med_MBps", LoadStats.percentile(slowRates, 0.5));
        kv(r, "ttfb_p50_ms", LoadStats.percentile(ttfbSorted, 0.5) / 1e6);
        kv(r, "ttfb_p99_ms", LoadStats.percentile(ttfbSorted, 0.99) / 1e6);
        kv(r, "ttfb_max_ms", LoadStats.percentile(ttfbSorted, 1) / 1e6);
        kv(r, "server_cpu_pct", cpu);
        kv(r, "server_rss_per_client_B", rssPerClient);
        kv(r, "server_heap_per_client_B", heapPerClient);
        if (timestamps)
        {
            kv(r, "lat_count", latency.getTotalCount());
            kv(r, "lat_p50_us", latency.getValueAtPercentile(50) / 1e3);
            kv(r, "lat_p99_us", latency.getValueAtPercentile(99) / 1e3);
            kv(r, "lat_p999_us", latency.getValueAtPercentile(99.9) / 1e3);
            kv(r, "lat_max_us", latency.getMaxValue() / 1e3);
        }
        if (!quiet)
        {
            out.printf(Locale.ROOT, "loadgen%s: window %.1f s, %d/%d clients connected, %d closed by the server, %d got no data%n",
                label(), windowNs / 1e9, connected, clients, closedByServer, noData);
            out.printf(Locale.ROOT, "  input %.1f MB/s; aggregate %.1f MB/s (%.2f Gbit/s); per client min %.2f / median %.2f / max %.2f MB/s%n",
                feedRate, agg, agg * 8 / 1000, min, med, max);
            out.printf(Locale.ROOT, "  time to first byte p50 %.1f / p99 %.1f / max %.1f ms%n",
                LoadStats.percentile(ttfbSorted, 0.5) / 1e6, LoadStats.percentile(ttfbSorted, 0.99) / 1e6,
                LoadStats.percentile(ttfbSorted, 1) / 1e6);
            if (cpu >= 0)
            {
                out.printf(Locale.ROOT, "  server CPU %.1f%% of one core; RSS %+.0f B per client%s%n", cpu, rssPerClient,
                    heapPerClient >= 0 ? String.format(Locale.ROOT, "; live heap %+.0f B per client", heapPerClient) : "");
            }
            if (timestamps)
            {
                out.printf(Locale.ROOT, "  producer-to-client latency (%d samples) p50 %.0f / p99 %.0f / p99.9 %.0f / max %.0f us%n",
                    latency.getTotalCount(), latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(99) / 1e3,
                    latency.getValueAtPercentile(99.9) / 1e3, latency.getMaxValue() / 1e3);
            }
        }
        out.println(r);
        out.flush();
    }

    private static void kv(final StringBuilder r, final String key, final Object value)
    {
        r.append(' ').append(key).append('=');
        if (value instanceof Double)
        {
            r.append(String.format(Locale.ROOT, "%.3f", (Double)value));
        }
        else
        {
            r.append(value);
        }
    }
}
