package io.fanout.sink;

import io.fanout.sink.TestSupport.Pair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Write coalescing (docs/design.md, "Writes"): buffers for a caught-up client wait for a full batch
 * or the delay, a drain sends them at once, and a delay of 0 writes each buffer when it is seen.
 * <p>
 * How "nothing was written yet" is checked without timing: two {@link MultiSocketSink#stats()}
 * calls are two round trips through the selector thread, two duty cycles apart (a duty cycle runs
 * only the commands queued when it starts), so it has run a whole duty cycle after the one that
 * saw the new head; a write it made would already sit in the client's receive queue
 * (a loopback write lands there before the call returns), where a non-blocking read finds it.
 */
@Timeout(20)
class WriteCoalescingTest extends LoopbackSinkTest
{
    private static final long LONG_DELAY_NS = TimeUnit.SECONDS.toNanos(10);

    private Pair connect() throws Exception
    {
        final Pair pair = loopback.pair();
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        pair.client().configureBlocking(false);
        return pair;
    }

    private void render(final byte[] payload)
    {
        sink.render(TestSupport.direct(payload, 0), 0, -1, -1);
    }

    /** Two duty cycles of the selector thread after this call. */
    private void settle()
    {
        sink.stats();
        sink.stats();
    }

    private static byte[] readNow(final SocketChannel client) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        int n;
        while ((n = client.read(buffer)) > 0)
        {
            assertTrue(n > 0);
        }
        final byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        return bytes;
    }

    private static byte[] readExactly(final SocketChannel client, final int length) throws IOException
    {
        final ByteBuffer buffer = ByteBuffer.allocate(length);
        final long deadline = System.nanoTime() + TestSupport.WAIT.toNanos();
        while (buffer.hasRemaining() && System.nanoTime() < deadline)
        {
            if (client.read(buffer) == 0)
            {
                Thread.onSpinWait();
            }
        }
        assertEquals(length, buffer.position(), "bytes received");
        return buffer.array();
    }

    @Test
    void buffersWaitForAFullBatchThenGoInOneRound() throws Exception
    {
        startSink(SinkConfig.builder().maxWriteDelayNs(LONG_DELAY_NS).writeBatchBytes(4096).build());
        final Pair pair = connect();
        final byte[] first = TestSupport.tagged(1, 1024);
        render(first); // positions the client: its first buffer goes at once
        settle();
        assertArrayEquals(first, readExactly(pair.client(), 1024));
        final byte[][] more = {TestSupport.tagged(2, 1024), TestSupport.tagged(3, 1024), TestSupport.tagged(4, 1024)};
        for (final byte[] payload : more)
        {
            render(payload);
        }
        settle();
        assertEquals(0, readNow(pair.client()).length, "3 KiB of a 4 KiB batch wait (the delay is 10 s)");
        final byte[] last = TestSupport.tagged(5, 1024);
        render(last);
        assertArrayEquals(TestSupport.concat(TestSupport.concat(more[0], more[1]), TestSupport.concat(more[2], last)),
            readExactly(pair.client(), 4096), "the batch, in order");
    }

    @Test
    void aDrainSendsWhatWaitsAtOnce() throws Exception
    {
        startSink(SinkConfig.builder().maxWriteDelayNs(LONG_DELAY_NS).writeBatchBytes(1 << 20).build());
        final Pair pair = connect();
        render(TestSupport.tagged(1, 100));
        settle();
        readExactly(pair.client(), 100);
        final byte[] waiting = TestSupport.tagged(2, 100);
        render(waiting);
        settle();
        assertEquals(0, readNow(pair.client()).length, "waiting for the batch or the delay");
        final long start = System.nanoTime();
        assertTrue(sink.drain(TimeUnit.SECONDS.toNanos(5)), "drained");
        assertTrue(System.nanoTime() - start < LONG_DELAY_NS, "without waiting for the delay");
        assertArrayEquals(waiting, readExactly(pair.client(), 100));
    }

    @Test
    void withoutADelayEachBufferIsWrittenWhenItIsSeen() throws Exception
    {
        startSink(SinkConfig.builder().maxWriteDelayNs(0).build());
        final Pair pair = connect();
        for (int i = 1; i <= 3; i++)
        {
            final byte[] payload = TestSupport.tagged(i, 100);
            render(payload);
            settle();
            assertArrayEquals(payload, readNow(pair.client()), "buffer " + i + " written in the cycle that saw it");
        }
    }

    @Test
    void theDelayBoundsTheWait() throws Exception
    {
        final long delayNs = TimeUnit.MILLISECONDS.toNanos(200);
        startSink(SinkConfig.builder().maxWriteDelayNs(delayNs).writeBatchBytes(1 << 20).build());
        final Pair pair = connect();
        render(TestSupport.tagged(1, 100));
        settle();
        readExactly(pair.client(), 100);
        final byte[] waiting = TestSupport.tagged(2, 100);
        final long start = System.nanoTime();
        render(waiting);
        assertArrayEquals(waiting, readExactly(pair.client(), 100), "written once the delay passed, with no event");
        assertTrue(System.nanoTime() - start >= delayNs - TimeUnit.MILLISECONDS.toNanos(1), "not before the delay");
    }

    @Test
    void aRoundNeverWaitsForMoreThanHalfTheQueue() throws Exception
    {
        startSink(SinkConfig.builder().maxWriteDelayNs(LONG_DELAY_NS).writeBatchBytes(1 << 20)
            .queueCapacityBuffers(8).build());
        final Pair pair = connect();
        render(TestSupport.tagged(1, 100));
        settle();
        readExactly(pair.client(), 100);
        final byte[][] four = new byte[4][];
        for (int i = 0; i < 4; i++)
        {
            four[i] = TestSupport.tagged(2 + i, 100);
            render(four[i]);
        }
        assertArrayEquals(TestSupport.concat(TestSupport.concat(four[0], four[1]), TestSupport.concat(four[2], four[3])),
            readExactly(pair.client(), 400), "4 of a capacity of 8 make the round due (the delay is 10 s)");
        assertEquals(0, sink.stats().clientsLapped());
    }
}
