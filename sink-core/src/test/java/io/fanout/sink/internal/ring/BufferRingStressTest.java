package io.fanout.sink.internal.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One producer thread publishing through a {@link SlabPool}, one reader thread following the ring
 * as the selector thread does: every buffer the reader validates must have exactly the sequence
 * and bytes the producer wrote, whether or not the reader is lapped now and then.
 */
@Timeout(60)
class BufferRingStressTest
{
    private static final long RUN_NS = TimeUnit.SECONDS.toNanos(3);

    private static int lengthOf(final long seq)
    {
        return 1 + (int)(seq % 397);
    }

    private static byte byteOf(final long seq, final int i)
    {
        return (byte)(seq * 31 + i * 7);
    }

    @Test
    void readerThatKeepsUpSeesEverySequenceAndByte() throws Exception
    {
        final Result result = run(1024, 1 << 20, false);
        assertNull(result.error.get(), () -> result.error.get());
        assertTrue(result.checked > 10_000, "checked " + result.checked);
        assertEquals(result.published, result.checked + result.lost,
            "every published buffer is either checked or counted as lost to a lap");
    }

    @Test
    void slowReaderIsLappedButNeverSeesWrongBytes() throws Exception
    {
        final Result result = run(64, 16 * 1024, true);
        assertNull(result.error.get(), () -> result.error.get());
        assertTrue(result.checked > 1_000, "checked " + result.checked);
        assertTrue(result.laps > 0, "a slow reader on a small ring must be lapped");
        assertEquals(result.published, result.checked + result.lost);
    }

    private static Result run(final int capacityBuffers, final long capacityBytes, final boolean slowReader)
        throws InterruptedException
    {
        final BufferRing ring = new BufferRing(capacityBuffers, capacityBytes);
        final SlabPool pool = new SlabPool(ring, 64 * 1024);
        final AtomicBoolean stop = new AtomicBoolean();
        final Result result = new Result();
        final long[] published = new long[1];

        final Thread producer = new Thread(() ->
        {
            long seq = 0;
            while (!stop.get())
            {
                final int length = lengthOf(seq);
                final ByteBuffer memory = pool.claim(length);
                for (int i = 0; i < length; i++)
                {
                    memory.put(byteOf(seq, i));
                }
                final long s = pool.commit(length, 0, seq, -1);
                if (s != seq)
                {
                    result.error.compareAndSet(null, "producer got seq " + s + ", expected " + seq);
                    break;
                }
                seq++;
            }
            published[0] = seq;
        }, "stress-producer");

        final Thread reader = new Thread(() ->
        {
            final byte[] copy = new byte[512];
            long next = 0;
            long spins = 0;
            while (true)
            {
                final boolean stopping = stop.get();
                final long head = ring.head();
                if (next > head)
                {
                    if (stopping && producerDone(producer))
                    {
                        if (ring.head() < next)
                        {
                            break;
                        }
                        continue;
                    }
                    Thread.onSpinWait();
                    continue;
                }
                final ByteBuffer buffer = ring.buffer(next);
                final int offset = ring.offset(next);
                final int length = ring.length(next);
                final long pts = ring.ptsNs(next);
                // a torn read (fields of two different publishes) is possible until validated
                final boolean copied = buffer != null && length >= 0 && length <= copy.length &&
                    offset >= 0 && offset + length <= buffer.capacity();
                if (copied)
                {
                    for (int i = 0; i < length; i++)
                    {
                        copy[i] = buffer.get(offset + i);
                    }
                }
                if (!ring.validate(next))
                {
                    final long tail = ring.tail();
                    result.laps++;
                    result.lost += tail - next;
                    next = tail;
                    continue;
                }
                if (!copied || pts != next || length != lengthOf(next))
                {
                    result.error.compareAndSet(null, "seq " + next + ": pts " + pts + ", length " + length);
                    break;
                }
                for (int i = 0; i < length; i++)
                {
                    if (copy[i] != byteOf(next, i))
                    {
                        result.error.compareAndSet(null, "seq " + next + " byte " + i + " differs");
                        break;
                    }
                }
                result.checked++;
                next++;
                ring.retain(next);
                if (slowReader && (++spins & 3) == 0)
                {
                    for (int i = 0; i < 2_000; i++)
                    {
                        Thread.onSpinWait();
                    }
                }
            }
        }, "stress-reader");

        final Thread.UncaughtExceptionHandler handler =
            (t, ex) -> result.error.compareAndSet(null, t.getName() + " died: " + ex);
        producer.setUncaughtExceptionHandler(handler);
        reader.setUncaughtExceptionHandler(handler);
        producer.start();
        reader.start();
        final long deadline = System.nanoTime() + RUN_NS;
        while (System.nanoTime() < deadline && result.error.get() == null)
        {
            Thread.onSpinWait();
            Thread.yield();
        }
        stop.set(true);
        producer.join(10_000);
        reader.join(10_000);
        result.published = published[0];
        return result;
    }

    private static boolean producerDone(final Thread producer)
    {
        return !producer.isAlive();
    }

    private static final class Result
    {
        final AtomicReference<String> error = new AtomicReference<>();
        long checked;
        long lost;
        long laps;
        long published;
    }
}
