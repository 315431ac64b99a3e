package io.fanout.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The long soak (issue 13): many clients on one running {@code sink-cli}, a share of them
 * replaced every second (churn) and a share that never read (stalled, replaced every
 * {@code --stalled-life} seconds, as viewers who give up), for a long time, while the server's
 * heap, old generation after GC, direct memory, file descriptors, threads and clients are read
 * from its {@code --admin} /metrics every interval. Flat lines are the result: nothing grows
 * with the connections the server has seen. One selector thread reads every reading client.
 * <p>
 * Run by {@code sink-bench/soak.sh}; alone:
 * {@code java -cp sink-bench/target/benchmarks.jar io.fanout.bench.SoakBench --port P --admin A [options]}.
 */
public final class SoakBench
{
    private final InetSocketAddress server;
    private final URI metrics;
    private final int clients;
    private final double churn;
    private final double stalledShare;
    private final long stalledLifeNs;
    private final long durationNs;
    private final long intervalNs;
    private final PrintStream out;
    private final Selector selector;
    private final List<SocketChannel> readers = new ArrayList<>();
    private final List<SocketChannel> stalled = new ArrayList<>();
    private final SplittableRandom random = new SplittableRandom(42);
    private final ByteBuffer sinkhole = ByteBuffer.allocateDirect(256 * 1024);
    private long bytes;
    private long connects;
    private long lost;

    private SoakBench(final Map<String, String> o, final PrintStream out) throws IOException
    {
        server = new InetSocketAddress(o.getOrDefault("host", "127.0.0.1"), Integer.parseInt(required(o, "port")));
        metrics = URI.create("http://" + required(o, "admin") + "/metrics");
        clients = Integer.parseInt(o.getOrDefault("clients", "1000"));
        churn = Double.parseDouble(o.getOrDefault("churn", "0.10"));
        stalledShare = Double.parseDouble(o.getOrDefault("stalled", "0.05"));
        stalledLifeNs = TimeUnit.SECONDS.toNanos(Long.parseLong(o.getOrDefault("stalled-life", "30")));
        durationNs = TimeUnit.SECONDS.toNanos(Long.parseLong(o.getOrDefault("duration", "1800")));
        intervalNs = TimeUnit.SECONDS.toNanos(Long.parseLong(o.getOrDefault("interval", "60")));
        this.out = out;
        this.selector = Selector.open();
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (args.length % 2 != 0 || !options.containsKey("port") || !options.containsKey("admin"))
        {
            System.err.println("usage: SoakBench --port P --admin HOST:PORT [--clients 1000] [--churn 0.10] [--stalled 0.05]\n" +
                "       [--stalled-life 30] [--duration 1800] [--interval 60] [--host 127.0.0.1]   (seconds)");
            System.exit(2);
        }
        new SoakBench(options, System.out).run();
    }

    private void run() throws IOException, InterruptedException
    {
        final int stalledCount = (int)Math.round(clients * stalledShare);
        for (int i = 0; i < clients - stalledCount; i++)
        {
            connectReader();
        }
        for (int i = 0; i < stalledCount; i++)
        {
            stalled.add(connectStalled());
        }
        out.printf("# soak: %d clients (%d stalled, replaced every %d s), %.0f %% of the readers replaced every second, %d s%n",
            clients, stalledCount, TimeUnit.NANOSECONDS.toSeconds(stalledLifeNs), churn * 100, TimeUnit.NANOSECONDS.toSeconds(durationNs));
        out.println("minute  clients  heap_MB  old_after_gc_MB  direct_MB  fds  threads  MB/s_read  connects  lost");
        final long start = System.nanoTime();
        long nextChurn = start + TimeUnit.SECONDS.toNanos(1);
        long nextStalled = start + stalledLifeNs;
        long nextReport = start;
        long bytesAtReport = 0;
        long reportAt = start;
        int minute = 0;
        while (true)
        {
            final long now = System.nanoTime();
            if (now - nextReport >= 0)
            {
                final double seconds = Math.max(1e-9, (now - reportAt) / 1e9);
                report(minute++, (bytes - bytesAtReport) / seconds / 1e6);
                bytesAtReport = bytes;
                reportAt = now;
                nextReport += intervalNs;
                if (now - start >= durationNs)
                {
                    break;
                }
            }
            if (now - nextChurn >= 0)
            {
                churn();
                nextChurn += TimeUnit.SECONDS.toNanos(1);
            }
            if (now - nextStalled >= 0)
            {
                for (int i = 0; i < stalled.size(); i++)
                {
                    stalled.get(i).close();
                    stalled.set(i, connectStalled());
                }
                nextStalled += stalledLifeNs;
            }
            selector.select(50);
            for (final SelectionKey key : selector.selectedKeys())
            {
                drain(key);
            }
            selector.selectedKeys().clear();
        }
        for (final SocketChannel c : readers)
        {
            c.close();
        }
        for (final SocketChannel c : stalled)
        {
            c.close();
        }
    }

    private void drain(final SelectionKey key) throws IOException
    {
        final SocketChannel channel = (SocketChannel)key.channel();
        int n;
        try
        {
            while ((n = channel.read(sinkhole.clear())) > 0)
            {
                bytes += n;
            }
        }
        catch (final IOException ex)
        {
            n = -1;
        }
        if (n < 0) // the server removed it: a viewer reconnects
        {
            lost++;
            readers.remove(channel);
            channel.close();
            connectReader();
        }
    }

    private void churn() throws IOException
    {
        final int count = (int)Math.round(readers.size() * churn);
        for (int i = 0; i < count; i++)
        {
            final SocketChannel leaving = readers.remove(random.nextInt(readers.size()));
            leaving.close();
            connectReader();
        }
    }

    private void connectReader() throws IOException
    {
        final SocketChannel channel = SocketChannel.open(server);
        channel.configureBlocking(false);
        channel.register(selector, SelectionKey.OP_READ);
        readers.add(channel);
        connects++;
    }

    private SocketChannel connectStalled() throws IOException
    {
        final SocketChannel channel = SocketChannel.open();
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4096); // fills at once: a viewer that stopped reading
        channel.connect(server);
        connects++;
        return channel;
    }

    private void report(final int minute, final double mbPerSecond) throws InterruptedException
    {
        final Map<String, Double> m = scrape();
        out.printf("%6d  %7.0f  %7.1f  %15.1f  %9.1f  %3.0f  %7.0f  %9.2f  %8d  %4d%n", minute,
            m.getOrDefault("fanout_clients", Double.NaN),
            m.getOrDefault("jvm_memory_used_bytes{area=\"heap\"}", Double.NaN) / 1e6,
            m.getOrDefault("jvm_memory_pool_collection_used_bytes{pool=\"G1 Old Gen\"}", Double.NaN) / 1e6,
            m.getOrDefault("jvm_buffer_pool_used_bytes{pool=\"direct\"}", Double.NaN) / 1e6,
            m.getOrDefault("process_open_fds", Double.NaN),
            m.getOrDefault("jvm_threads_current", Double.NaN),
            mbPerSecond, connects, lost);
        out.flush();
    }

    private Map<String, Double> scrape() throws InterruptedException
    {
        final Map<String, Double> values = new HashMap<>();
        try
        {
            final String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            for (final String line : body.split("\n"))
            {
                final int space = line.lastIndexOf(' ');
                if (!line.startsWith("#") && space > 0)
                {
                    values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
                }
            }
        }
        catch (final IOException | NumberFormatException ex)
        {
            out.println("# scrape failed: " + ex);
        }
        return values;
    }

    private static String required(final Map<String, String> options, final String name)
    {
        final String value = options.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
