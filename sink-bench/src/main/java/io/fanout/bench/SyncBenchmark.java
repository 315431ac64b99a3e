package io.fanout.bench;

import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.RingQueueView;
import io.fanout.sink.internal.sync.LagPolicy;
import io.fanout.sink.internal.sync.Retention;
import io.fanout.sink.internal.sync.SyncPolicy;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Question: what do the sync-position and lag functions cost on a full queue? The selector thread
 * runs them when a client starts (sync method and burst) and, for clients over a limit, per new
 * buffer (soft and hard limit conversion, recovery) and once per round (retention).
 * <p>
 * The queue is the real ring view ({@code RingQueueView}, in this package for access) over a
 * full ring of {@code queue} buffers of 1,316 bytes at 4.5 Mbit/s timestamps (2.34 ms apart),
 * a keyframe every {@code gop} buffers. Limits and bursts are set so that the answer lies deep
 * in the queue (the expensive case for a scan): bytes and time near half the queue.
 * <p>
 * Run: {@code java -jar sink-bench/target/benchmarks.jar SyncBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SyncBenchmark
{
    /** Buffers in the full queue. */
    @Param({"1000", "65536"})
    public int queue;

    /** Buffers per keyframe. */
    @Param({"250"})
    public int gop;

    private static final int SIZE = 1316;
    private static final long INTERVAL_NS = 2_339_555L;

    private RingQueueView view;
    private long halfBytes;
    private long halfTimeNs;
    private int deepPosition;
    private int softIndex;

    @Setup(Level.Trial)
    public void setUp()
    {
        final BufferRing ring = new BufferRing(queue, Long.MAX_VALUE);
        final ByteBuffer memory = ByteBuffer.allocateDirect(SIZE);
        for (int i = 0; i < queue; i++)
        {
            ring.publish(memory, 0, SIZE, i % gop == 0 ? 0 : 1, i * INTERVAL_NS, INTERVAL_NS);
        }
        view = new RingQueueView(ring).over(ring.tail(), ring.head());
        halfBytes = (long)SIZE * queue / 2;
        halfTimeNs = INTERVAL_NS * queue / 2;
        softIndex = queue / 2;
        deepPosition = queue - 2;
    }

    /** @return the start of a latest-keyframe client. */
    @Benchmark
    public int startLatestKeyframe()
    {
        return SyncPolicy.startIndex(view, SyncMethod.LATEST_KEYFRAME, 0, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
    }

    /** @return the start of a burst client (minimum: half the queue in bytes). */
    @Benchmark
    public int startBurstBytes()
    {
        return SyncPolicy.startIndex(view, SyncMethod.BURST, 0, UnitFormat.BYTES, halfBytes, UnitFormat.UNDEFINED, -1);
    }

    /** @return the start of a burst-keyframe client (minimum and maximum in time). */
    @Benchmark
    public int startBurstKeyframeTime()
    {
        return SyncPolicy.startIndex(view, SyncMethod.BURST_KEYFRAME, 0, UnitFormat.TIME, halfTimeNs, UnitFormat.TIME,
            halfTimeNs * 3 / 2);
    }

    /** @return a limit in bytes converted to a buffer index (docs/semantics.md §5.2), as per new buffer for lagging clients. */
    @Benchmark
    public int limitBytes()
    {
        return LagPolicy.buffersMax(view, UnitFormat.BYTES, halfBytes);
    }

    /** @return a limit in time converted to a buffer index. */
    @Benchmark
    public int limitTime()
    {
        return LagPolicy.buffersMax(view, UnitFormat.TIME, halfTimeNs);
    }

    /** @return where a client deep in the queue recovers to with resync-keyframe. */
    @Benchmark
    public int recoverKeyframe()
    {
        return LagPolicy.recover(view, RecoverPolicy.RESYNC_KEYFRAME, deepPosition, softIndex);
    }

    /** @return where it recovers to with resync-soft-limit. */
    @Benchmark
    public int recoverSoftLimit()
    {
        return LagPolicy.recover(view, RecoverPolicy.RESYNC_SOFT_LIMIT, deepPosition, softIndex);
    }

    /** @return the retention index for bytes-min and time-min of half the queue. */
    @Benchmark
    public int retention()
    {
        return Retention.minIndex(view, halfBytes, halfTimeNs, -1);
    }
}
