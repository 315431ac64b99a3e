package io.fanout.bench;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkStats;
import io.fanout.sink.TcpServerSink;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Question: what does the producer pay per buffer, and does it depend on the number of clients?
 * <p>
 * {@value #BATCH} {@code claim} + {@code commit} calls (the CLI's zero-copy path) per invocation,
 * timed as one shot and divided by {@value #BATCH}, with 0, 100, 1,000 or 10,000 TCP clients
 * attached to the sink (connected from a child JVM, see {@link ClientProcess}) and served by the
 * selector thread meanwhile. Between two invocations (outside the timing) the benchmark waits
 * until the selector thread has caught every client up, so every batch is rendered with every
 * client attached and caught up: no selector can keep 10,000 clients current with a producer
 * rendering tens of millions of buffers per second, so an unpaced loop would only measure a sink
 * whose clients were all lapped and removed. The payload is empty by default: the producer never
 * touches payload bytes, and 10,000 clients x 256 buffers of payload per batch would make the
 * wait, not the render, the benchmark. The aux counters report the clients attached and lapped
 * at the end of each iteration: the figure only counts when every client stayed.
 * <p>
 * Run: {@code java -jar sink-bench/target/benchmarks.jar RenderBenchmark -prof gc}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2000)
@Measurement(iterations = 2000)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class RenderBenchmark
{
    /** Buffers rendered per timed invocation. */
    public static final int BATCH = 256;

    /** Caught-up clients attached to the sink. */
    @Param({"0", "100", "1000", "10000"})
    public int clients;

    /** Payload bytes per buffer. */
    @Param({"0"})
    public int size;

    /** Write coalescing (docs/design.md, "Writes"): the selector thread's longest delay, in ms; 0 writes at once. */
    @Param({"10"})
    public long maxWriteDelayMs;

    /** The queue capacity in buffers (the ring's slot count): how much slot memory the producer cycles through. */
    @Param({"65536"})
    public int capacityBuffers;

    /**
     * The catch-up pause before each shot, in ms; -1 (the default) is 1 ms per 1,000 clients, about
     * the linger of a round. 0 shows how much of a figure is the pause's cold caches
     * (BENCHMARKS.md, "Render flat").
     */
    @Param({"-1"})
    public int pauseMs;

    /** Opt-in back-pressure (docs/semantics.md A.2.14): the producer may wait for the clients. */
    @Param({"false"})
    public boolean backpressure;

    private TcpServerSink server;
    private MultiSocketSink sink;
    private ClientProcess children;

    /** Clients attached and lapped at the end of an iteration (gauges, not rates). */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Attached
    {
        /** Clients attached at the end of the iteration. */
        public long clientsAttached;
        /** Clients removed because the ring lapped them, since the start. */
        public long clientsLapped;
        private MultiSocketSink sink;

        @Setup(Level.Trial)
        public void bind(final RenderBenchmark benchmark)
        {
            sink = benchmark.sink;
        }

        @Setup(Level.Iteration)
        public void reset()
        {
            clientsAttached = 0;
            clientsLapped = 0;
        }

        @TearDown(Level.Iteration)
        public void count()
        {
            final SinkStats stats = sink.stats();
            clientsAttached = stats.numHandles();
            clientsLapped = stats.clientsLapped();
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException
    {
        final SinkConfig config = SinkConfig.builder()
            .backpressureMaxWaitNs(backpressure ? SinkConfig.BACKPRESSURE_UNBOUNDED : SinkConfig.BACKPRESSURE_OFF)
            .maxWriteDelayNs(maxWriteDelayMs * 1_000_000L)
            .queueCapacityBuffers(capacityBuffers).build();
        server = new TcpServerSink(config, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.start();
        sink = server.sink();
        if (clients > 0)
        {
            children = new ClientProcess(sink, server.currentPort(), clients);
        }
    }

    /**
     * Outside the timing: wait until the selector thread has written everything rendered so far
     * to every client (two command round trips, and the linger of a large round).
     *
     * @throws InterruptedException when interrupted.
     */
    @Setup(Level.Iteration)
    public void catchUp() throws InterruptedException
    {
        sink.stats();
        final int pause = pauseMs >= 0 ? pauseMs : clients / 1000; // a round of 1,000 clients lingers about a millisecond
        if (pause > 0)
        {
            Thread.sleep(pause);
        }
        sink.stats();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        if (children != null)
        {
            children.close();
        }
        server.close();
    }

    /**
     * @param attached the aux counters (updated per iteration only).
     * @return the sink, so that the calls are not dead code.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public MultiSocketSink claimCommit(final Attached attached)
    {
        final MultiSocketSink s = sink;
        final int n = size;
        for (int i = 0; i < BATCH; i++)
        {
            final ByteBuffer memory = s.claim(n);
            memory.position(memory.position() + n);
            s.commit(n, BufferFlags.NONE, MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
        }
        return s;
    }
}
