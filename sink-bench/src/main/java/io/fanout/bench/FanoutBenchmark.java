package io.fanout.bench;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.testkit.LoopbackPairs;
import io.fanout.testkit.LoopbackReaders;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Question: how many bytes per second does the sink deliver to N loopback clients, all in one
 * process (no pipe, no second server), and what does each buffer cost end to end?
 * <p>
 * One operation renders one buffer of {@code size} bytes through claim/commit; the producer
 * stays at most {@code window} bytes ahead of the slowest client (closed loop, so nobody is
 * lapped and the rate is what the sink sustains). The aux counter {@code clientBytes} is the
 * aggregate delivered to the clients, per second (JMH's ops/s of the counter); one reader thread
 * drains every client.
 * <p>
 * Run: {@code java -jar sink-bench/target/benchmarks.jar FanoutBenchmark -prof gc}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class FanoutBenchmark
{
    /** Loopback clients. */
    @Param({"1", "10", "100"})
    public int clients;

    /** Bytes per buffer: 7 TS packets, and a 64 KiB block. */
    @Param({"1316", "65536"})
    public int size;

    /** Most bytes the producer runs ahead of the slowest client. */
    @Param({"8388608"})
    public long window;

    private MultiSocketSink sink;
    private LoopbackPairs pairs;
    private LoopbackReaders loopback;
    private long rendered;
    private long allowed;

    /** Bytes the clients received, as a rate. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Delivered
    {
        /** Bytes received by all clients. */
        public long clientBytes;
        private long base;
        private LoopbackReaders loopback;

        @Setup(Level.Trial)
        public void bind(final FanoutBenchmark benchmark)
        {
            loopback = benchmark.loopback;
        }

        @Setup(Level.Iteration)
        public void mark()
        {
            clientBytes = 0;
            base = loopback.totalReceived();
        }

    }

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        sink = new MultiSocketSink(SinkConfig.defaults());
        sink.start();
        pairs = new LoopbackPairs();
        final List<SocketChannel> clientEnds = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++)
        {
            final LoopbackPairs.Pair pair = pairs.pair();
            clientEnds.add(pair.client());
            sink.add(pair.server());
        }
        loopback = LoopbackReaders.builder("bench-clients").bufferBytes(1 << 20).start(clientEnds);
        allowed = window;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        sink.close();
        loopback.close();
        pairs.close();
    }

    /**
     * @param delivered the aux counter.
     * @return the bytes rendered so far.
     */
    @Benchmark
    public long render(final Delivered delivered)
    {
        while (rendered >= allowed)
        {
            allowed = loopback.minReceived() + window;
            if (rendered >= allowed)
            {
                LockSupport.parkNanos(20_000);
            }
        }
        final ByteBuffer memory = sink.claim(size);
        memory.position(memory.position() + size);
        sink.commit(size, BufferFlags.NONE, MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
        rendered += size;
        delivered.clientBytes = loopback.totalReceived() - delivered.base;
        return rendered;
    }
}
