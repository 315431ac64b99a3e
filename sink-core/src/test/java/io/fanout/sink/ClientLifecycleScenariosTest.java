package io.fanout.sink;

import io.fanout.sink.TestSupport.Event;
import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Kind;
import io.fanout.sink.TestSupport.Loopback;
import io.fanout.sink.TestSupport.Pair;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static io.fanout.sink.TestSupport.SELECTOR_THREAD;
import static io.fanout.sink.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Client lifecycle over loopback sockets: remove-flush (docs/semantics.md A.2.7), the stalled-client timeout
 * (docs/semantics.md A.2.5), qos-dscp (§12), the memory bound of the queue (A.2.9), client input on a lagging
 * client (docs/semantics.md A.2.6) and clientFilter.
 * <p>
 * A "stalled" client is one whose pair has 4 KiB socket buffers and that the test does not read:
 * the kernel takes about 12 KiB of a 32 KiB buffer and nothing more, so the first buffer stays
 * partly written for as long as the test does not read.
 */
@Timeout(15)
class ClientLifecycleScenariosTest extends LoopbackSinkTest
{
    private static final int SIZE = 32 * 1024;
    private static final long NONE = MultiSocketSink.CLOCK_TIME_NONE;

    /** System.nanoTime() when clientRemoved ran, per channel. */
    private final Map<SocketChannel, Long> removedAtNs = new ConcurrentHashMap<>();

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    @Override
    void addListeners(final MultiSocketSink sink)
    {
        sink.addListener(new SinkListener()
        {
            @Override
            public void clientRemoved(final SocketChannel channel, final ClientStatus status)
            {
                removedAtNs.putIfAbsent(channel, System.nanoTime());
            }
        });
    }

    /** The payload of buffer {@code id}, as the lag-limit scenarios make it. */
    private static byte[] payload(final int id, final int size)
    {
        return LagLimitScenariosTest.payload(id, size);
    }

    private static byte[] stream(final int from, final int to)
    {
        final byte[] r = new byte[(to - from + 1) * SIZE];
        for (int id = from; id <= to; id++)
        {
            System.arraycopy(payload(id, SIZE), 0, r, (id - from) * SIZE, SIZE);
        }
        return r;
    }

    private void render(final int id)
    {
        sink.render(TestSupport.direct(payload(id, SIZE), id % 7), BufferFlags.NONE, NONE, NONE);
    }

    private Pair stalledClient() throws IOException
    {
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        return pair;
    }

    private Pair readingPair() throws IOException
    {
        final Pair pair = loopback.pair();
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        return pair;
    }

    private static List<Kind> kinds(final List<Event> list)
    {
        final List<Kind> r = new ArrayList<>();
        for (final Event e : list)
        {
            r.add(e.kind());
        }
        return r;
    }

    /** Lets time pass (only for the timeout scenarios): a bounded loop on the monotonic clock. */
    private static void letTimePassUntil(final long deadlineNs)
    {
        while (System.nanoTime() - deadlineNs < 0)
        {
            LockSupport.parkNanos(Math.min(10_000_000L, Math.max(1, deadlineNs - System.nanoTime())));
        }
    }

    // ------------------------------------------------------------------------------------------
    // remove-flush (docs/semantics.md A.2.7)
    // ------------------------------------------------------------------------------------------

    /**
     * remove-flush on a lagging client: B0 is partly written and B1..Bn are queued for it at the
     * call. It gets exactly the rest of B0 and B1..Bn, nothing rendered after the call, and is then
     * removed with status FLUSHING (getStats inside clientRemoved sees every byte sent).
     */
    @ParameterizedTest(name = "{0} whole buffers queued behind the partly written one")
    @ValueSource(ints = {0, 3})
    void removeFlushOnLaggingClientSendsExactlyWhatWasPending(final int queued) throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair witness = readingPair();
        final StreamReader witnessReader = loopback.reader(witness, "witness");
        final Pair pair = stalledClient();

        render(0);
        await(() -> sink.getStats(pair.server()).bytesSent() > 0,
            () -> "part of B0 written: " + sink.getStats(pair.server()));
        for (int id = 1; id <= queued; id++)
        {
            render(id);
        }
        final ClientStats before = sink.getStats(pair.server());
        assertTrue(before.bytesSent() > 0 && before.bytesSent() < SIZE,
            "test precondition: B0 partly written at the call, " + before);
        sink.removeFlush(pair.server());
        for (int id = queued + 1; id <= queued + 4; id++)
        {
            render(id); // after the call: never for this client
        }
        witnessReader.awaitSize((long)(queued + 5) * SIZE); // the selector thread has seen them all
        sink.stats();
        assertEquals(List.of(Kind.ADDED), kinds(events.of(pair.server())),
            "still flushing: most of what was pending cannot have been sent yet");
        assertEquals(ClientStatus.FLUSHING, sink.getStats(pair.server()).status());

        final StreamReader reader = loopback.reader(pair, "flushed");
        final Event removed = events.awaitRemoved(pair.server());
        assertEquals(ClientStatus.FLUSHING, removed.status(), "a finished remove-flush reports FLUSHING");
        assertNotNull(removed.stats(), "getStats works inside clientRemoved");
        assertEquals((long)(queued + 1) * SIZE, removed.stats().bytesSent(),
            "sent: the rest of B0 and the " + queued + " buffers queued at the call, nothing else");
        events.awaitSocketRemoved(pair.server());
        assertTrue(pair.server().isOpen(), "the sink never closes a handed channel");
        pair.server().close();
        reader.awaitEof();
        assertArrayEquals(stream(0, queued), reader.bytes(), "the flushed stream");
        final SinkStats stats = sink.stats();
        assertEquals(1, stats.removed(ClientStatus.FLUSHING));
        assertEquals(1, stats.numHandles());
    }

    /**
     * remove-flush on a caught-up client removes it at once with status FLUSHING, with no buffer
     * rendered after the call and while another client lags; later buffers never reach it.
     */
    @Test
    void removeFlushOnCaughtUpClientRemovesItAtOnce() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair caughtUp = readingPair();
        final StreamReader reader = loopback.reader(caughtUp, "caught-up");
        final Pair witness = readingPair();
        final StreamReader witnessReader = loopback.reader(witness, "witness");
        final Pair stalled = stalledClient();

        for (int id = 0; id < 4; id++)
        {
            render(id);
        }
        reader.awaitSize(4L * SIZE);
        await(() -> sink.getStats(caughtUp.server()).lagBuffers() == 0, () -> "caught up");

        sink.removeFlush(caughtUp.server());
        final Event removed = events.awaitRemoved(caughtUp.server()); // no render needed
        assertEquals(ClientStatus.FLUSHING, removed.status());
        assertEquals(4L * SIZE, removed.stats().bytesSent());
        events.awaitSocketRemoved(caughtUp.server());
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(events.of(caughtUp.server())));
        assertNotNull(sink.getStats(stalled.server()), "the lagging client is untouched");
        assertEquals(List.of(Kind.ADDED), kinds(events.of(stalled.server())));

        render(4);
        witnessReader.awaitSize(5L * SIZE); // written in the same selector round as it would have been
        sink.stats();
        caughtUp.server().close();
        reader.awaitEof();
        assertArrayEquals(stream(0, 3), reader.bytes(), "nothing may follow a finished flush");
        assertEquals(1, sink.stats().removed(ClientStatus.FLUSHING));
    }

    // ------------------------------------------------------------------------------------------
    // timeout (docs/semantics.md A.2.5)
    // ------------------------------------------------------------------------------------------

    /**
     * timeout = 300 ms. Both clients first sit with nothing pending for longer than the timeout:
     * nobody is removed. Then B0 is rendered: the reading client takes it, the stalled one cannot.
     * The stalled one is removed SLOW, no earlier than the timeout after its data became pending
     * (its idle time before does not count) and more than the timeout after its last accepted
     * byte. The caught-up client, on a stream that then stops for more than twice the timeout,
     * stays (the reference would kick it, Q16/Q17), and is still served afterwards.
     */
    @Test
    void timeoutRemovesStalledClientButNeverACaughtUpOne() throws Exception
    {
        final long timeoutNs = TimeUnit.MILLISECONDS.toNanos(300);
        startSink(SinkConfig.builder().timeoutNs(timeoutNs).build());
        final Pair reading = readingPair();
        final StreamReader reader = loopback.reader(reading, "reading");
        final Pair stalled = stalledClient();
        final long addedNs = System.nanoTime();

        letTimePassUntil(addedNs + timeoutNs * 3 / 2);
        sink.stats();
        sink.stats();
        assertEquals(0, events.count(Kind.REMOVED), "nothing pending, nobody timed out: " + events.all());

        final long renderNs = System.nanoTime();
        render(0);
        reader.awaitSize(SIZE);
        final Event removed = events.awaitRemoved(stalled.server());
        final long removedNs = removedAtNs.get(stalled.server());
        assertEquals(ClientStatus.SLOW, removed.status(), "a timed-out client is SLOW");
        final ClientStats s = removed.stats();
        assertNotNull(s);
        assertTrue(s.bytesSent() > 0 && s.bytesSent() < SIZE, "it stalled in B0: " + s);
        // the loop reads the monotonic clock once per round, which may start a few µs before the
        // render it sees: 1 ms of slack for that
        assertTrue(removedNs - renderNs >= timeoutNs - TimeUnit.MILLISECONDS.toNanos(1),
            "removed " + (removedNs - renderNs) / 1_000_000 + " ms after its data became pending, timeout 300 ms");
        assertTrue(s.disconnectTimeNs() - s.lastActivityTimeNs() > timeoutNs,
            "removed only after accepting no byte for the timeout: " + s);
        assertTrue(s.connectedDurationNs() >= (renderNs - addedNs) + timeoutNs - TimeUnit.MILLISECONDS.toNanos(1),
            "connected " + s.connectedDurationNs() / 1_000_000 + " ms");
        events.awaitSocketRemoved(stalled.server());

        // the stream stops: let more than twice the timeout pass since the caught-up client's last write
        letTimePassUntil(renderNs + timeoutNs * 5 / 2);
        sink.stats();
        sink.stats();
        assertEquals(List.of(Kind.ADDED), kinds(events.of(reading.server())),
            "a caught-up client is never timed out (A.2.5)");
        final ClientStats r = sink.getStats(reading.server());
        assertNotNull(r);
        assertEquals(ClientStatus.OK, r.status());
        assertEquals(0, r.lagBuffers());

        render(1);
        reader.awaitSize(2L * SIZE);
        assertArrayEquals(stream(0, 1), reader.bytes());
        final SinkStats stats = sink.stats();
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(1, stats.numHandles());
        assertEquals(0, stats.clientsLapped(), "timed out, not lapped");
    }

    // ------------------------------------------------------------------------------------------
    // qos-dscp (docs/semantics.md §12)
    // ------------------------------------------------------------------------------------------

    @Test
    void qosDscpSetsTheTosByteOfEachAddedSocket() throws Exception
    {
        startSink(SinkConfig.builder().qosDscp(46).build());
        final Pair pair = loopback.pair();
        assertEquals(0, pair.server().getOption(StandardSocketOptions.IP_TOS), "precondition");
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        assertEquals(46 << 2, pair.server().getOption(StandardSocketOptions.IP_TOS),
            "DSCP 46 (EF) is TOS 184, ECN bits 0");
        final Pair other = loopback.pair();
        other.server().setOption(StandardSocketOptions.IP_TOS, 0x03); // ECN bits: overwritten too
        sink.add(other.server());
        events.awaitAdded(other.server());
        assertEquals(184, other.server().getOption(StandardSocketOptions.IP_TOS));

        final StreamReader reader = loopback.reader(pair, "qos");
        render(0);
        reader.awaitSize(SIZE);
        assertArrayEquals(stream(0, 0), reader.bytes(), "a client with a DSCP is served as any other");
    }

    @Test
    void defaultQosDscpLeavesTheSocketUntouched() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair plain = loopback.pair();
        sink.add(plain.server());
        events.awaitAdded(plain.server());
        assertEquals(0, plain.server().getOption(StandardSocketOptions.IP_TOS));
        final Pair preset = loopback.pair();
        preset.server().setOption(StandardSocketOptions.IP_TOS, 32 << 2);
        sink.add(preset.server());
        events.awaitAdded(preset.server());
        assertEquals(32 << 2, preset.server().getOption(StandardSocketOptions.IP_TOS),
            "qos-dscp -1 never touches the socket");
    }

    // ------------------------------------------------------------------------------------------
    // memory bound (docs/semantics.md A.2.9)
    // ------------------------------------------------------------------------------------------

    /**
     * Capacity 4 MiB, 256 KiB buffers, one client that never reads and one that does: the retained
     * bytes never exceed the capacity; the stalled client holds the window until the capacity is
     * reached (16 buffers), is then lapped and removed SLOW; the reader gets every byte in order.
     */
    @Test
    void queueCapacityBoundsMemoryAndLapsTheClientThatNeverReads() throws Exception
    {
        final long capacity = 4L << 20;
        final int size = 256 * 1024;
        startSink(SinkConfig.builder().queueCapacityBytes(capacity).build());
        final Pair stalled = stalledClient();
        final Pair reading = readingPair();
        final StreamReader reader = loopback.reader(reading, "within-capacity");

        final List<byte[]> data = TestSupport.fixedPayloads(7, 40, size);
        long maxQueued = 0;
        for (int i = 0; i < data.size(); i++)
        {
            sink.render(TestSupport.heap(data.get(i), i % 3), BufferFlags.NONE, NONE, NONE);
            reader.awaitSize((long)(i + 1) * size);
            final long queued = sink.stats().bytesQueued();
            assertTrue(queued <= capacity, "bytesQueued " + queued + " > capacity after buffer " + i);
            maxQueued = Math.max(maxQueued, queued);
        }
        assertTrue(maxQueued >= capacity - size, "the stalled client kept the window up to the capacity: " + maxQueued);
        final Event removed = events.awaitRemoved(stalled.server());
        assertEquals(ClientStatus.SLOW, removed.status(), "lapped: SLOW (A.2.9)");
        assertArrayEquals(TestSupport.concat(data), reader.bytes(), "the reading client gets everything");
        final SinkStats stats = sink.stats();
        assertTrue(stats.clientsLapped() >= 1, "clientsLapped = " + stats.clientsLapped());
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(1, stats.numHandles());
        assertTrue(stats.bytesQueued() <= capacity);
    }

    /**
     * The default configuration (64 MiB): 100 MiB rendered in 1 MiB direct buffers (distinct
     * ByteBuffer objects: duplicates of a pool of 128 direct buffers) to a client that never reads.
     * bytesQueued never exceeds 64 MiB, and the client is lapped and removed SLOW.
     */
    @Test
    void defaultCapacityBoundsMemoryForAClientThatNeverReads() throws Exception
    {
        startSink(SinkConfig.defaults());
        final long capacity = SinkConfig.DEFAULT_QUEUE_CAPACITY_BYTES;
        final Pair stalled = stalledClient();
        final int size = 1 << 20;
        final ByteBuffer[] pool = new ByteBuffer[128];
        for (int i = 0; i < pool.length; i++)
        {
            pool[i] = ByteBuffer.allocateDirect(size);
            pool[i].putInt(0, i);
        }
        long maxQueued = 0;
        for (int i = 0; i < 100; i++)
        {
            sink.render(pool[i % pool.length].duplicate(), BufferFlags.NONE, NONE, NONE);
            final long queued = sink.stats().bytesQueued();
            assertTrue(queued <= capacity, "bytesQueued " + queued + " > 64 MiB after buffer " + i);
            maxQueued = Math.max(maxQueued, queued);
        }
        assertTrue(maxQueued >= capacity - size, "the stalled client kept the window up to the capacity: " + maxQueued);
        final Event removed = events.awaitRemoved(stalled.server());
        assertEquals(ClientStatus.SLOW, removed.status());
        final SinkStats stats = sink.stats();
        assertTrue(stats.clientsLapped() >= 1, "clientsLapped = " + stats.clientsLapped());
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(0, stats.numHandles());
        assertEquals(100L * size, stats.bytesToServe());
    }

    // ------------------------------------------------------------------------------------------
    // client input (docs/semantics.md A.2.6)
    // ------------------------------------------------------------------------------------------

    /**
     * A lagging client's input is still read, discarded and counted (1 MiB, more than any socket
     * buffer, so the writer would block forever otherwise); its half-close is not a removal, and it
     * is served everything afterwards.
     */
    @Test
    void inputOfALaggingClientIsDrainedAndItsHalfCloseTolerated() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = stalledClient();
        render(0);
        await(() -> sink.getStats(pair.server()).bytesSent() > 0, () -> "B0 partly written");
        render(1);

        final int inputSize = 1 << 20;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer = new Thread(() ->
        {
            try
            {
                final ByteBuffer input = ByteBuffer.wrap(payload(99, inputSize));
                while (input.hasRemaining())
                {
                    pair.client().write(input);
                }
                pair.client().shutdownOutput();
            }
            catch (final IOException | RuntimeException ex)
            {
                failure.set(ex);
            }
        }, "client-input");
        writer.setDaemon(true);
        writer.start();
        writer.join(TestSupport.WAIT.toMillis());
        assertFalse(writer.isAlive(), "the sink must drain the input of a client it cannot write to");
        assertNull(failure.get());
        await(() -> sink.getStats(pair.server()).bytesReceived() == inputSize,
            () -> "input counted: " + sink.getStats(pair.server()));
        sink.stats();
        assertEquals(List.of(Kind.ADDED), kinds(events.of(pair.server())), "a half-close is not a removal");
        assertEquals(ClientStatus.OK, sink.getStats(pair.server()).status());

        final StreamReader reader = loopback.reader(pair, "half-closed");
        reader.awaitSize(2L * SIZE);
        render(2);
        reader.awaitSize(3L * SIZE);
        assertArrayEquals(stream(0, 2), reader.bytes());
        assertEquals(inputSize, sink.getStats(pair.server()).bytesReceived());
    }

    // ------------------------------------------------------------------------------------------
    // clientFilter
    // ------------------------------------------------------------------------------------------

    /**
     * clientFilter runs once per client on the selector thread with a snapshot of its statistics:
     * REMOVE removes with status REMOVED (callbacks done before clientFilter returns), KEEP keeps,
     * REF keeps and returns the channel.
     */
    @Test
    void clientFilterRemovesKeepsAndRefs() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair remove = readingPair();
        final Pair keep = readingPair();
        final Pair ref = readingPair();
        final StreamReader removeReader = loopback.reader(remove, "filter-remove");
        final StreamReader keepReader = loopback.reader(keep, "filter-keep");
        final StreamReader refReader = loopback.reader(ref, "filter-ref");
        for (int id = 0; id < 3; id++)
        {
            render(id);
        }
        for (final StreamReader r : List.of(removeReader, keepReader, refReader))
        {
            r.awaitSize(3L * SIZE);
        }

        final Map<SocketChannel, ClientStats> seen = Collections.synchronizedMap(new HashMap<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        final List<SocketChannel> refs = sink.clientFilter((channel, stats) ->
        {
            // no assertion here: this runs on the selector thread
            threads.add(Thread.currentThread().getName());
            seen.put(channel, stats);
            if (channel == remove.server())
            {
                return FilterResult.REMOVE;
            }
            return channel == ref.server() ? FilterResult.REF : FilterResult.KEEP;
        });

        assertEquals(1, refs.size(), "REF returns the channel: " + refs);
        assertSame(ref.server(), refs.get(0));
        assertEquals(3, threads.size(), "once per client");
        assertEquals(3, seen.size(), "once per client");
        for (final String thread : threads)
        {
            assertTrue(SELECTOR_THREAD.matcher(thread).matches(), "the filter ran on " + thread);
        }
        for (final Pair p : List.of(remove, keep, ref))
        {
            final ClientStats stats = seen.get(p.server());
            assertNotNull(stats);
            assertEquals(ClientStatus.OK, stats.status());
            assertEquals(3L * SIZE, stats.bytesSent());
        }
        // REMOVE: the removal callbacks have run by the time clientFilter returned
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(events.of(remove.server())));
        assertEquals(ClientStatus.REMOVED, events.of(remove.server()).get(1).status());
        assertTrue(remove.server().isOpen(), "the sink never closes a handed channel");
        assertEquals(List.of(Kind.ADDED), kinds(events.of(keep.server())));
        assertEquals(List.of(Kind.ADDED), kinds(events.of(ref.server())));

        render(3);
        keepReader.awaitSize(4L * SIZE);
        refReader.awaitSize(4L * SIZE);
        assertArrayEquals(stream(0, 3), keepReader.bytes());
        assertArrayEquals(stream(0, 3), refReader.bytes());
        sink.stats();
        remove.server().close();
        removeReader.awaitEof();
        assertArrayEquals(stream(0, 2), removeReader.bytes(), "a removed client gets nothing more");
        final SinkStats stats = sink.stats();
        assertEquals(2, stats.numHandles());
        assertEquals(1, stats.removed(ClientStatus.REMOVED));
    }
}
