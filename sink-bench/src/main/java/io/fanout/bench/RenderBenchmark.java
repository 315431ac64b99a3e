package io.fanout.bench;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
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
import java.util.concurrent.TimeUnit;

/**
 * The producer's cost of one buffer: {@code claim} + {@code commit} (the CLI's zero-copy path),
 * with 0 or N caught-up loopback clients served by the selector thread meanwhile. The payload is
 * not written, so this is the ring and wake-up cost alone; the clients receive whatever the slab
 * holds.
 * <p>
 * Run: {@code java -jar sink-bench/target/benchmarks.jar RenderBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RenderBenchmark
{
    /** Caught-up clients attached to the sink. */
    @Param({"0", "4"})
    public int clients;

    /** Payload bytes per buffer: 7 TS packets, and a 64 KiB block. */
    @Param({"1316", "65536"})
    public int size;

    private MultiSocketSink sink;
    private LoopbackClients loopback;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        sink = new MultiSocketSink(SinkConfig.defaults());
        sink.start();
        loopback = new LoopbackClients(sink, clients);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        sink.close();
        loopback.close();
    }

    /** @return the sink, so that the call is not dead code. */
    @Benchmark
    public MultiSocketSink claimCommit()
    {
        final ByteBuffer memory = sink.claim(size);
        memory.position(memory.position() + size);
        sink.commit(size, BufferFlags.NONE, MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
        return sink;
    }
}
