package io.fanout.bench;

import io.fanout.sink.internal.ring.BufferRing;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
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
 * Question: what do a publish and a read of the single-producer ring cost, alone and with the
 * producer and the reader on two threads (the JCTools SPSC throughput layout)?
 * <ul>
 * <li>{@code publish}: one publish with the reader caught up (the producer retains its own head:
 * the release path runs every time, as with a caught-up selector).</li>
 * <li>{@code publishFull}: one publish into a full ring the reader never releases: the capacity
 * path (docs/semantics.md A.2.9) releases the oldest buffer every time.</li>
 * <li>group {@code spsc}: a producer publishing and a reader following it, reading each slot's
 * fields, validating and retaining, as the selector thread does. The aux counters give the
 * reads that found a new buffer, and the reads that found none.</li>
 * </ul>
 * Run: {@code java -jar sink-bench/target/benchmarks.jar RingBenchmark -prof gc}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBenchmark
{
    /** A ring and the memory its buffers point into. */
    @State(Scope.Group)
    public static class Ring
    {
        /** Ring capacity in buffers (65536 is the sink's default). */
        @Param({"65536"})
        public int capacity;

        BufferRing ring;
        ByteBuffer memory;

        @Setup(Level.Trial)
        public void setUp()
        {
            ring = new BufferRing(capacity, 64L << 20);
            memory = ByteBuffer.allocateDirect(1 << 20);
        }
    }

    /** The reader's position. */
    @State(Scope.Thread)
    public static class Cursor
    {
        long next;
    }

    /** Reads that found a buffer, and polls that found none. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Reads
    {
        /** Buffers read. */
        public long read;
        /** Polls that found nothing new. */
        public long empty;

        @Setup(Level.Iteration)
        public void reset()
        {
            read = 0;
            empty = 0;
        }
    }

    /** @param r the ring. @return the sequence. */
    @Benchmark
    @Group("publish")
    public long publish(final Ring r)
    {
        final long seq = r.ring.publish(r.memory, 0, 1316, 0, -1, -1);
        r.ring.retain(seq);
        return seq;
    }

    /** @param r the ring. @return the sequence. */
    @Benchmark
    @Group("publishFull")
    public long publishFull(final Ring r)
    {
        return r.ring.publish(r.memory, 0, 1316, 0, -1, -1);
    }

    /** @param r the ring. @return the sequence. */
    @Benchmark
    @Group("spsc")
    public long producer(final Ring r)
    {
        return r.ring.publish(r.memory, 0, 1316, 0, -1, -1);
    }

    /**
     * @param r      the ring.
     * @param cursor the reader's position.
     * @param reads  the counters.
     * @return what was read.
     */
    @Benchmark
    @Group("spsc")
    public long reader(final Ring r, final Cursor cursor, final Reads reads)
    {
        final BufferRing ring = r.ring;
        final long head = ring.head();
        final long seq = cursor.next;
        if (seq > head)
        {
            reads.empty++;
            return head;
        }
        final long sum = ring.length(seq) + ring.offset(seq) + ring.flags(seq) + ring.ptsNs(seq);
        if (ring.validate(seq))
        {
            reads.read++;
            cursor.next = seq + 1;
            ring.retain(seq + 1);
        }
        else
        {
            cursor.next = ring.tail(); // lapped: jump to the oldest buffer
        }
        return sum;
    }
}
