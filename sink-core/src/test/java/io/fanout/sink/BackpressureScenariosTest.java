package io.fanout.sink;

import io.fanout.sink.TestSupport.Pair;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static io.fanout.sink.TestSupport.WAIT;
import static io.fanout.sink.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opt-in back-pressure (docs/semantics.md A.2.14) over loopback sockets. Every scenario renders far
 * more than the queue capacity holds into clients whose socket buffers are 4 KiB, so without
 * back-pressure each of them would be lapped: the first test shows that too, as its control.
 */
@Timeout(30)
class BackpressureScenariosTest extends LoopbackSinkTest
{
    private static final int CAPACITY = 8;
    private static final int BUFFER = 8 * 1024;
    private static final int SMALL_SOCKET = 4 * 1024;

    private Thread producer;

    @Override
    void beforeClose()
    {
        if (producer != null)
        {
            producer.interrupt(); // a producer still waiting gives up, so the sink closes at once
        }
    }

    private static SinkConfig.Builder config()
    {
        return SinkConfig.builder().queueCapacityBuffers(CAPACITY);
    }

    private List<Pair> addClients(final int n) throws Exception
    {
        final List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final Pair pair = loopback.pair(SMALL_SOCKET, SMALL_SOCKET);
            sink.add(pair.server());
            events.awaitAdded(pair.server());
            pairs.add(pair);
        }
        return pairs;
    }

    /** Renders {@code payloads} on a thread of its own, as a producer would. */
    private Thread produce(final List<byte[]> payloads)
    {
        producer = new Thread(() ->
        {
            for (final byte[] payload : payloads)
            {
                sink.render(TestSupport.direct(payload, 0), 0, -1, -1);
            }
        }, "producer");
        producer.setDaemon(true);
        producer.start();
        return producer;
    }

    /** Waits until the producer is parked inside a render: it waits for a client. */
    private void awaitProducerWaiting(final Thread thread)
    {
        await(() -> thread.getState() == Thread.State.TIMED_WAITING || !thread.isAlive(), WAIT,
            () -> "the producer to wait for a client");
        assertTrue(thread.isAlive(), "the producer rendered everything without waiting for the clients");
    }

    @Test
    void withoutBackpressureTheProducerLapsClientsThatDoNotRead() throws Exception
    {
        startSink(config().build());
        final List<Pair> pairs = addClients(3);
        final Thread thread = produce(TestSupport.fixedPayloads(1, 100, BUFFER));
        thread.join(WAIT.toMillis());
        assertTrue(!thread.isAlive(), "the producer never waits without back-pressure");
        events.awaitCount(TestSupport.Kind.REMOVED, 3);
        for (final Pair pair : pairs)
        {
            assertEquals(ClientStatus.SLOW, events.awaitRemoved(pair.server()).status());
        }
        assertEquals(3, sink.stats().clientsLapped());
        assertEquals(0, sink.stats().producerWaits());
    }

    @Test
    void everyClientReceivesEveryByteWhileTheProducerWaits() throws Exception
    {
        startSink(config().backpressureMaxWaitNs(SinkConfig.BACKPRESSURE_UNBOUNDED).build());
        final List<Pair> pairs = addClients(4);
        final List<byte[]> payloads = TestSupport.fixedPayloads(2, 100, BUFFER);
        final Thread thread = produce(payloads);
        awaitProducerWaiting(thread); // nobody reads yet: the producer must hold at the capacity
        final List<StreamReader> readers = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++)
        {
            readers.add(loopback.reader(pairs.get(i), "client-" + i));
        }
        thread.join(WAIT.toMillis());
        assertTrue(!thread.isAlive(), "the producer finished once the clients read");
        final byte[] expected = TestSupport.concat(payloads);
        for (final StreamReader reader : readers)
        {
            reader.awaitExactly(expected, "every byte, in order");
        }
        final SinkStats stats = sink.stats();
        assertEquals(0, stats.clientsLapped());
        assertEquals(4, stats.numHandles());
        assertTrue(stats.producerWaits() >= 1, "waits counted: " + stats);
        assertTrue(stats.producerWaitNs() > 0, "wait time counted: " + stats);
    }

    /**
     * The hard limit still removes a client that falls behind it. It cannot tell a stalled client
     * from a reader that the producer outruns (both lag), so this producer renders at a pace the
     * readers sustain (one buffer per millisecond, with 128 buffers of slack under the limit),
     * as a paced input would (docs/semantics.md A.2.14).
     */
    @Test
    void theHardLimitRemovesAStalledClientAndTheOthersGetEverything() throws Exception
    {
        final int unitsMax = 128; // below the capacity, so the hard limit is reached before a lap
        startSink(SinkConfig.builder().queueCapacityBuffers(4 * unitsMax)
            .backpressureMaxWaitNs(SinkConfig.BACKPRESSURE_UNBOUNDED).unitsMax(unitsMax).build());
        final List<Pair> pairs = addClients(3);
        final Pair stalled = pairs.get(0); // never read
        final List<StreamReader> readers = List.of(
            loopback.reader(pairs.get(1), "reading-1"), loopback.reader(pairs.get(2), "reading-2"));
        final List<byte[]> payloads = TestSupport.fixedPayloads(3, 400, BUFFER);
        producer = new Thread(() ->
        {
            for (final byte[] payload : payloads)
            {
                sink.render(TestSupport.direct(payload, 0), 0, -1, -1);
                LockSupport.parkNanos(1_000_000); // the input's pace, not a synchronisation
            }
        }, "producer");
        producer.start();
        assertEquals(ClientStatus.SLOW, events.awaitRemoved(stalled.server()).status());
        producer.join(WAIT.toMillis());
        assertTrue(!producer.isAlive(), "the removed client no longer holds the producer");
        final byte[] expected = TestSupport.concat(payloads);
        for (final StreamReader reader : readers)
        {
            reader.awaitExactly(expected, "every byte, in order");
        }
        assertEquals(0, sink.stats().clientsLapped(), "removed by the hard limit, not lapped");
        assertEquals(2, sink.stats().numHandles());
    }

    @Test
    void aBoundedWaitLapsTheStalledClientAfterTheBound() throws Exception
    {
        final long maxWaitNs = TimeUnit.MILLISECONDS.toNanos(300);
        startSink(config().backpressureMaxWaitNs(maxWaitNs).build());
        final List<Pair> pairs = addClients(2);
        final StreamReader reader = loopback.reader(pairs.get(1), "reading");
        final List<byte[]> payloads = TestSupport.fixedPayloads(4, 60, BUFFER);
        final Thread thread = produce(payloads);
        thread.join(WAIT.toMillis());
        assertTrue(!thread.isAlive(), "a bounded wait ends");
        assertEquals(ClientStatus.SLOW, events.awaitRemoved(pairs.get(0).server()).status());
        reader.awaitExactly(TestSupport.concat(payloads), "the reading client lost nothing");
        final SinkStats stats = sink.stats();
        assertEquals(1, stats.clientsLapped());
        assertTrue(stats.producerWaitNs() >= maxWaitNs, "waited the bound before lapping: " + stats);
        assertTrue(stats.producerWaitNs() < maxWaitNs + TimeUnit.SECONDS.toNanos(5), "and not much longer: " + stats);
    }

    @Test
    void closingTheSinkEndsAWait() throws Exception
    {
        startSink(config().backpressureMaxWaitNs(SinkConfig.BACKPRESSURE_UNBOUNDED).build());
        addClients(1);
        final Thread thread = produce(TestSupport.fixedPayloads(5, 100, BUFFER));
        awaitProducerWaiting(thread);
        sink.close();
        thread.join(WAIT.toMillis());
        assertTrue(!thread.isAlive(), "the producer returned when the sink closed");
    }

    @Test
    void interruptingTheProducerEndsAWaitAndKeepsItsStatus() throws Exception
    {
        startSink(config().backpressureMaxWaitNs(SinkConfig.BACKPRESSURE_UNBOUNDED).build());
        addClients(1);
        final boolean[] interrupted = new boolean[1];
        producer = new Thread(() ->
        {
            final List<byte[]> payloads = TestSupport.fixedPayloads(6, 100, BUFFER);
            int i = 0;
            while (i < payloads.size() && !Thread.currentThread().isInterrupted())
            {
                sink.render(TestSupport.direct(payloads.get(i++), 0), 0, -1, -1);
            }
            interrupted[0] = Thread.currentThread().isInterrupted();
        }, "producer");
        producer.start();
        awaitProducerWaiting(producer);
        producer.interrupt();
        producer.join(WAIT.toMillis());
        assertTrue(!producer.isAlive() && interrupted[0], "the wait ended with the interrupt status set");
    }
}
