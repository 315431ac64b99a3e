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

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static io.fanout.sink.TestSupport.SELECTOR_THREAD;
import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.concat;
import static io.fanout.sink.TestSupport.payloads;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MultiSocketSink over loopback sockets, LATEST sync method: delivery, late joiners, the removal
 * callbacks and their order (docs/semantics.md §2.10), peer reset (A.2.6), duplicates, lifecycle,
 * statistics, lapping by the queue capacity (docs/semantics.md A.2.9) and remove-flush (A.2.7).
 */
@Timeout(20)
class MultiSocketSinkTest extends LoopbackSinkTest
{
    private static final long PTS_NONE = MultiSocketSink.CLOCK_TIME_NONE;


    /** Adds the server end of a new pair and waits for its clientAdded. */
    private Pair addClient() throws IOException
    {
        final Pair pair = loopback.pair();
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        return pair;
    }

    /** Renders every payload, wrapping each in a fresh buffer. */
    private void renderAll(final List<byte[]> data, final BiFunction<byte[], Integer, ByteBuffer> wrap)
    {
        for (int i = 0; i < data.size(); i++)
        {
            final int flags = i % 10 == 0 ? BufferFlags.NONE : BufferFlags.DELTA_UNIT;
            sink.render(wrap.apply(data.get(i), i % 13), flags, i * 1_000_000L, 1_000_000L);
        }
    }

    private static void assertOnSelectorThread(final List<Event> list)
    {
        assertFalse(list.isEmpty(), "no events");
        final String first = list.get(0).thread();
        for (final Event e : list)
        {
            assertTrue(SELECTOR_THREAD.matcher(e.thread()).matches(),
                e.kind() + " ran on thread " + e.thread() + ", not the selector thread");
            assertEquals(first, e.thread(), "callbacks of one sink ran on different threads");
        }
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

    // ------------------------------------------------------------------------------------------
    // delivery
    // ------------------------------------------------------------------------------------------

    @Test
    void oneClientReceivesEveryDirectBufferInOrder() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair();
        final StreamReader reader = loopback.reader(pair, "one");
        sink.add(pair.server()); // no wait: every buffer rendered after add() returns is the client's

        final List<byte[]> data = payloads(1, 2000, 8192);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::direct);

        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes(), "the received stream differs from what was rendered");
        final ClientStats stats = sink.getStats(pair.server());
        assertNotNull(stats);
        assertEquals(expected.length, stats.bytesSent());
        assertEquals(ClientStatus.OK, stats.status());
        assertEquals(0, stats.lagBuffers());
        assertEquals(0, stats.lagBytes());
        assertEquals(0L, stats.firstBufferPtsNs(), "first pts taken");
        assertEquals((data.size() - 1) * 1_000_000L, stats.lastBufferPtsNs(), "last pts taken");
    }

    @Test
    void oneClientReceivesEveryHeapBufferInOrder() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair();
        final StreamReader reader = loopback.reader(pair, "heap");
        sink.add(pair.server());

        final List<byte[]> data = payloads(2, 2000, 8192);
        // a few buffers larger than a 1 MiB slab, and some empty ones
        data.set(17, TestSupport.fixedPayloads(3, 1, (1 << 20) + 12345).get(0));
        data.set(1500, TestSupport.fixedPayloads(4, 1, 3 << 20).get(0));
        data.set(400, new byte[0]);
        data.set(401, new byte[0]);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::heap);

        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes(), "the received stream differs from what was rendered");
        assertEquals(expected.length, sink.getStats(pair.server()).bytesSent());
    }

    @Test
    void threeClientsReceiveIdenticalStreams() throws Exception
    {
        startSink(SinkConfig.defaults());
        final List<Pair> pairs = new ArrayList<>();
        final List<StreamReader> readers = new ArrayList<>();
        for (int c = 0; c < 3; c++)
        {
            final Pair pair = loopback.pair();
            pairs.add(pair);
            readers.add(loopback.reader(pair, "three-" + c));
            sink.add(pair.server());
        }

        final List<byte[]> data = payloads(5, 2000, 4096);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::direct);

        for (int c = 0; c < 3; c++)
        {
            readers.get(c).awaitSize(expected.length);
            assertArrayEquals(expected, readers.get(c).bytes(), "client " + c + " received a different stream");
        }
        assertEquals(3, sink.stats().numHandles());
    }

    @Test
    void lateClientStartsWithFirstBufferRenderedAfterItsAdd() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair first = addClient();
        final StreamReader firstReader = loopback.reader(first, "first");

        final List<byte[]> a = payloads(10, 300, 2048);
        final byte[] bytesA = concat(a);
        renderAll(a, TestSupport::direct);
        firstReader.awaitSize(bytesA.length);

        final Pair second = loopback.pair();
        final StreamReader secondReader = loopback.reader(second, "second");
        sink.add(second.server());
        events.awaitAdded(second.server());

        final List<byte[]> b = payloads(11, 300, 2048);
        final byte[] bytesB = concat(b);
        renderAll(b, TestSupport::direct);

        firstReader.awaitSize(bytesA.length + bytesB.length);
        secondReader.awaitSize(bytesB.length);
        assertArrayEquals(concat(bytesA, bytesB), firstReader.bytes());
        assertArrayEquals(bytesB, secondReader.bytes(), "the late client must start exactly at B");
        assertEquals(bytesB.length, sink.getStats(second.server()).bytesSent());
    }

    // ------------------------------------------------------------------------------------------
    // removal and callbacks
    // ------------------------------------------------------------------------------------------

    @Test
    void removeFiresAddedRemovedSocketRemovedOnSelectorThread() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = addClient();
        final StreamReader reader = loopback.reader(pair, "removed");
        final List<byte[]> data = payloads(20, 50, 1000);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::direct);
        reader.awaitSize(expected.length);

        sink.remove(pair.server());
        events.awaitSocketRemoved(pair.server());

        final List<Event> mine = events.of(pair.server());
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(mine));
        assertOnSelectorThread(mine);
        final Event removed = mine.get(1);
        assertEquals(ClientStatus.REMOVED, removed.status());
        assertNotNull(removed.stats(), "getStats must see the client inside clientRemoved");
        assertEquals(ClientStatus.REMOVED, removed.stats().status());
        assertEquals(expected.length, removed.stats().bytesSent());
        assertTrue(removed.stats().disconnectTimeNs() > 0, "disconnect time set when removal starts");
        assertNull(mine.get(2).stats(), "getStats must not see the client in clientSocketRemoved");
        assertNull(sink.getStats(pair.server()));
        assertTrue(pair.server().isOpen(), "MultiSocketSink must never close a channel it was handed");

        final SinkStats stats = sink.stats();
        assertEquals(0, stats.numHandles());
        assertEquals(1, stats.removed(ClientStatus.REMOVED));

        // nothing more reaches the removed client
        renderAll(payloads(21, 50, 1000), TestSupport::direct);
        sink.stats(); // a round trip through the selector thread, after the renders
        pair.server().close();
        reader.awaitEof();
        assertArrayEquals(expected, reader.bytes());
    }

    @Test
    void clearRemovesEveryClientNewestFirst() throws Exception
    {
        startSink(SinkConfig.defaults());
        final List<Pair> pairs = List.of(addClient(), addClient(), addClient());
        renderAll(payloads(30, 20, 500), TestSupport::direct);

        sink.clear();
        events.awaitCount(Kind.SOCKET_REMOVED, 3);

        for (final Pair p : pairs)
        {
            final List<Event> mine = events.of(p.server());
            assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(mine));
            assertEquals(ClientStatus.REMOVED, mine.get(1).status());
            assertNotNull(mine.get(1).stats());
            assertEquals(ClientStatus.REMOVED, mine.get(1).stats().status());
            assertTrue(p.server().isOpen(), "clear must not close handed channels");
        }
        final List<Event> removals = new ArrayList<>();
        for (final Event e : events.all())
        {
            if (e.kind() != Kind.ADDED)
            {
                removals.add(e);
            }
        }
        assertOnSelectorThread(removals);
        // docs/semantics.md §2.10 per client, and clear walks the newest added first
        final List<SocketChannel> order = new ArrayList<>();
        for (final Event e : removals)
        {
            order.add(e.channel());
        }
        final SocketChannel c0 = pairs.get(0).server();
        final SocketChannel c1 = pairs.get(1).server();
        final SocketChannel c2 = pairs.get(2).server();
        assertEquals(List.of(c2, c2, c1, c1, c0, c0), order, "removal order");

        final SinkStats stats = sink.stats();
        assertEquals(0, stats.numHandles());
        assertEquals(3, stats.removed(ClientStatus.REMOVED));

        // the sink still serves new clients after a clear
        final Pair fresh = addClient();
        final StreamReader reader = loopback.reader(fresh, "after-clear");
        final List<byte[]> data = payloads(31, 20, 500);
        renderAll(data, TestSupport::direct);
        reader.awaitSize(concat(data).length);
        assertArrayEquals(concat(data), reader.bytes());
    }

    @Test
    void resetClientIsRemovedClosedAndOthersContinue() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair healthy = addClient();
        final StreamReader reader = loopback.reader(healthy, "healthy");
        final Pair resetting = addClient();

        final List<byte[]> before = payloads(40, 100, 1000);
        renderAll(before, TestSupport::direct);
        reader.awaitSize(concat(before).length);

        resetting.client().setOption(StandardSocketOptions.SO_LINGER, 0);
        resetting.client().close(); // RST

        final Event removed = events.awaitRemoved(resetting.server());
        assertEquals(ClientStatus.CLOSED, removed.status(), "a peer reset is CLOSED (A.2.6)");
        events.awaitSocketRemoved(resetting.server());
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(events.of(resetting.server())));
        assertOnSelectorThread(events.of(resetting.server()));

        final List<byte[]> after = payloads(41, 300, 1000);
        renderAll(after, TestSupport::direct);
        final byte[] expected = concat(concat(before), concat(after));
        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes());

        final SinkStats stats = sink.stats();
        assertEquals(1, stats.numHandles());
        assertEquals(1, stats.removed(ClientStatus.CLOSED));
        assertEquals(0, stats.removed(ClientStatus.ERROR));
        assertEquals(ClientStatus.OK, sink.getStats(healthy.server()).status());
    }

    @Test
    void clientInputIsCountedAndHalfCloseIsNotARemoval() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair();
        final byte[] input = payloads(45, 1, 5000).get(0);
        pair.client().write(ByteBuffer.wrap(input));
        pair.client().shutdownOutput(); // end of the client's input, before the sink sees the socket
        final StreamReader reader = loopback.reader(pair, "half-closed");
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        await(() -> sink.getStats(pair.server()).bytesReceived() == input.length,
            () -> "client input read and counted: " + sink.getStats(pair.server()));
        final List<byte[]> data = payloads(46, 200, 2000);
        renderAll(data, TestSupport::direct);
        reader.awaitSize(concat(data).length);
        assertArrayEquals(concat(data), reader.bytes(), "a half-closed client is still served (A.2.6)");
        assertEquals(List.of(Kind.ADDED), kinds(events.of(pair.server())));
        assertEquals(ClientStatus.OK, sink.getStats(pair.server()).status());
        assertEquals(1, sink.stats().numHandles());
    }

    @Test
    void duplicateAddIsRefusedAndExistingClientUntouched() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = addClient();
        final StreamReader reader = loopback.reader(pair, "dup");

        sink.add(pair.server());
        final Event dup = events.await(e -> e.kind() == Kind.REMOVED && e.channel() == pair.server(),
            "clientRemoved for the duplicate");
        assertEquals(ClientStatus.DUPLICATE, dup.status());
        assertTrue(SELECTOR_THREAD.matcher(dup.thread()).matches(), dup.thread());
        sink.stats(); // commands run in order: any callback of the duplicate add has run by now
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED), kinds(events.of(pair.server())),
            "a duplicate gives clientRemoved(DUPLICATE) only, no clientSocketRemoved");

        final List<byte[]> data = payloads(50, 200, 2000);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::direct);
        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes(), "the existing client must be untouched");

        final ClientStats client = sink.getStats(pair.server());
        assertNotNull(client);
        assertEquals(ClientStatus.OK, client.status());
        assertEquals(expected.length, client.bytesSent(), "the duplicate add must not reset or duplicate the client");
        final SinkStats stats = sink.stats();
        assertEquals(1, stats.numHandles());
        assertEquals(1, stats.clientsAdded(), "duplicates are not counted as added");
        assertEquals(1, stats.removed(ClientStatus.DUPLICATE));
        assertEquals(2, events.of(pair.server()).size());
    }

    @Test
    void unconnectedChannelDoesNotStopTheOtherClients() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair before = addClient();
        final StreamReader readerBefore = loopback.reader(before, "before-bad");
        final SocketChannel unconnected = loopback.track(SocketChannel.open());
        boolean refused = false;
        try
        {
            sink.add(unconnected); // a caller's mistake: add() wants a connected channel
        }
        catch (final IllegalArgumentException ex)
        {
            refused = true; // refusing it at once is fine too
        }
        final Pair after = addClient();
        final StreamReader readerAfter = loopback.reader(after, "after-bad");

        final List<byte[]> data = payloads(47, 300, 2000);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::direct);
        readerBefore.awaitSize(expected.length);
        readerAfter.awaitSize(expected.length);
        assertArrayEquals(expected, readerBefore.bytes());
        assertArrayEquals(expected, readerAfter.bytes());
        if (!refused)
        {
            final Event removed = events.awaitRemoved(unconnected);
            assertEquals(ClientStatus.ERROR, removed.status(), "an I/O failure other than the peer going away");
        }
        assertEquals(2, sink.stats().numHandles());
    }

    @Test
    void addBeforeStartAndAfterCloseThrows() throws Exception
    {
        final MultiSocketSink s = new MultiSocketSink(SinkConfig.defaults());
        sink = s;
        events = new EventRecorder(s::getStats);
        s.addListener(events);
        final Pair early = loopback.pair();
        assertThrows(IllegalStateException.class, () -> s.add(early.server()));

        s.start();
        assertEquals(0, s.stats().clientsAdded(), "a refused add must leave nothing behind");
        final Pair ok = loopback.pair();
        s.add(ok.server());
        events.awaitAdded(ok.server());
        assertEquals(List.of(ok.server()), events.all().stream().map(Event::channel).toList());

        s.close();
        final Pair late = loopback.pair();
        assertThrows(IllegalStateException.class, () -> s.add(late.server()));
        assertThrows(IllegalStateException.class, s::start);
        assertTrue(events.of(early.server()).isEmpty());
        assertTrue(events.of(late.server()).isEmpty());
    }

    // ------------------------------------------------------------------------------------------
    // statistics
    // ------------------------------------------------------------------------------------------

    @Test
    void statsCountBytesHandlesAndRemovals() throws Exception
    {
        startSink(SinkConfig.defaults());
        final SinkStats empty = sink.stats();
        assertEquals(0, empty.numHandles());
        assertEquals(0, empty.bytesToServe());
        assertEquals(0, empty.bytesServed());
        assertEquals(0, empty.clientsAdded());
        for (final ClientStatus status : ClientStatus.values())
        {
            assertEquals(0, empty.removed(status), status.name());
            assertTrue(empty.clientsRemoved().containsKey(status), "every status present: " + status);
        }

        final Pair a = addClient();
        final Pair b = addClient();
        final StreamReader ra = loopback.reader(a, "stats-a");
        final StreamReader rb = loopback.reader(b, "stats-b");
        final List<byte[]> first = payloads(60, 500, 3000);
        final long firstBytes = concat(first).length;
        renderAll(first, TestSupport::direct);
        ra.awaitSize(firstBytes);
        rb.awaitSize(firstBytes);

        final SinkStats stats = sink.stats();
        assertEquals(firstBytes, stats.bytesToServe(), "bytesToServe = bytes rendered");
        assertEquals(ra.size() + rb.size(), stats.bytesServed(), "bytesServed = bytes the clients received");
        assertEquals(2 * firstBytes, stats.bytesServed());
        assertEquals(2, stats.numHandles());
        assertEquals(2, stats.clientsAdded());
        assertEquals(0, stats.clientsLapped());
        assertEquals(firstBytes, sink.getStats(a.server()).bytesSent());
        assertEquals(firstBytes, sink.getStats(b.server()).bytesSent());

        sink.remove(b.server());
        events.awaitSocketRemoved(b.server());
        final Pair c = addClient();
        final StreamReader rc = loopback.reader(c, "stats-c");
        final List<byte[]> second = payloads(61, 300, 3000);
        final long secondBytes = concat(second).length;
        renderAll(second, TestSupport::heap);
        ra.awaitSize(firstBytes + secondBytes);
        rc.awaitSize(secondBytes);

        final SinkStats later = sink.stats();
        final long received = ra.size() + rb.size() + rc.size();
        assertAll(
            () -> assertEquals(2 * firstBytes + 2 * secondBytes, received, "a: first+second, b: first, c: second"),
            () -> assertEquals(firstBytes + secondBytes, later.bytesToServe()),
            () -> assertEquals(received, later.bytesServed()),
            () -> assertEquals(2, later.numHandles()),
            () -> assertEquals(3, later.clientsAdded()),
            () -> assertEquals(1, later.removed(ClientStatus.REMOVED)),
            () -> assertEquals(0, later.removed(ClientStatus.CLOSED)),
            () -> assertEquals(0, later.removed(ClientStatus.SLOW)),
            () -> assertEquals(0, later.clientsLapped()));
    }

    // ------------------------------------------------------------------------------------------
    // capacity: lapped clients
    // ------------------------------------------------------------------------------------------

    @Test
    void clientThatNeverReadsIsLappedWhileReaderGetsEverything() throws Exception
    {
        startSink(SinkConfig.builder().queueCapacityBuffers(8).build());
        final Pair stalled = loopback.pair(4096, 4096); // never read
        sink.add(stalled.server());
        events.awaitAdded(stalled.server());
        final Pair reading = addClient();
        final StreamReader reader = loopback.reader(reading, "keeps-up");

        final List<byte[]> data = TestSupport.fixedPayloads(70, 64, 64 * 1024);
        long expectedSize = 0;
        for (int i = 0; i < data.size(); i++)
        {
            sink.render(TestSupport.direct(data.get(i), 0), BufferFlags.NONE, PTS_NONE, PTS_NONE);
            expectedSize += data.get(i).length;
            reader.awaitSize(expectedSize); // keeps the reader within the capacity
        }

        final Event removed = events.awaitRemoved(stalled.server());
        assertEquals(ClientStatus.SLOW, removed.status(), "a lapped client is removed SLOW (A.2.9)");
        assertNotNull(removed.stats());
        assertTrue(removed.stats().bytesSent() < expectedSize, "the stalled client cannot have taken everything");
        events.awaitSocketRemoved(stalled.server());
        assertTrue(stalled.server().isOpen(), "MultiSocketSink never closes a handed channel");

        assertArrayEquals(concat(data), reader.bytes(), "the reading client must get every buffer");
        final SinkStats stats = sink.stats();
        assertTrue(stats.clientsLapped() >= 1, "clientsLapped = " + stats.clientsLapped());
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(1, stats.numHandles());
        assertTrue(stats.buffersQueued() <= 8, "buffersQueued = " + stats.buffersQueued());
        assertEquals(ClientStatus.OK, sink.getStats(reading.server()).status());
        assertEquals(List.of(Kind.ADDED), kinds(events.of(reading.server())));
    }

    // ------------------------------------------------------------------------------------------
    // remove-flush
    // ------------------------------------------------------------------------------------------

    @Test
    void removeFlushOnCaughtUpClientRemovesAtOnceWithFlushing() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = addClient();
        final StreamReader reader = loopback.reader(pair, "flush-idle");
        final List<byte[]> data = payloads(80, 100, 1000);
        final byte[] expected = concat(data);
        renderAll(data, TestSupport::direct);
        reader.awaitSize(expected.length);
        await(() -> sink.getStats(pair.server()).lagBuffers() == 0, () -> "the client to be caught up");

        sink.removeFlush(pair.server()); // no more buffers rendered: the removal must not wait for one
        final Event removed = events.awaitRemoved(pair.server());
        assertEquals(ClientStatus.FLUSHING, removed.status(), "remove-flush ends with FLUSHING (A.2.7)");
        events.awaitSocketRemoved(pair.server());
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(events.of(pair.server())));
        assertOnSelectorThread(events.of(pair.server()));
        assertEquals(1, sink.stats().removed(ClientStatus.FLUSHING));
        assertEquals(0, sink.stats().numHandles());

        renderAll(payloads(81, 10, 1000), TestSupport::direct);
        sink.stats();
        pair.server().close();
        reader.awaitEof();
        assertArrayEquals(expected, reader.bytes(), "nothing may follow a finished flush");
    }

    @Test
    void removeFlushSendsExactlyWhatWasPendingThenRemoves() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        final List<byte[]> pending = TestSupport.fixedPayloads(90, 32, 64 * 1024);
        final byte[] expected = concat(pending);
        renderAll(pending, TestSupport::direct); // the client is not reading yet: most stays queued
        sink.removeFlush(pair.server());
        renderAll(payloads(91, 20, 64 * 1024), TestSupport::direct); // rendered after: never sent to it

        final StreamReader reader = loopback.reader(pair, "flush-pending");
        final Event removed = events.awaitRemoved(pair.server());
        assertEquals(ClientStatus.FLUSHING, removed.status());
        assertEquals(expected.length, removed.stats().bytesSent(), "sent exactly what was pending at the call");
        reader.awaitSize(expected.length);
        pair.server().close();
        reader.awaitEof();
        assertArrayEquals(expected, reader.bytes());
    }

    @Test
    void secondRemoveFlushDoesNotCutTheFlushShort() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        final List<byte[]> pending = TestSupport.fixedPayloads(95, 32, 64 * 1024);
        final byte[] expected = concat(pending);
        renderAll(pending, TestSupport::direct);
        sink.removeFlush(pair.server());
        sink.removeFlush(pair.server()); // Part B docs/semantics.md §2.4: status is not OK any more, so nothing happens
        sink.stats();
        assertEquals(List.of(Kind.ADDED), kinds(events.of(pair.server())),
            "a repeated remove-flush must not remove the flushing client (it still has "
                + "most of 2 MiB pending)");

        final StreamReader reader = loopback.reader(pair, "flush-twice");
        final Event removed = events.awaitRemoved(pair.server());
        assertEquals(ClientStatus.FLUSHING, removed.status());
        reader.awaitSize(expected.length);
        pair.server().close();
        reader.awaitEof();
        assertArrayEquals(expected, reader.bytes());
    }

    @Test
    void removeDuringFlushRemovesAtOnceWithRemoved() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        renderAll(TestSupport.fixedPayloads(96, 32, 64 * 1024), TestSupport::direct);
        sink.removeFlush(pair.server());
        sink.remove(pair.server()); // docs/semantics.md A.2.7: remove() during a flush removes at once
        final Event removed = events.awaitRemoved(pair.server());
        assertEquals(ClientStatus.REMOVED, removed.status());
        assertTrue(removed.stats().bytesSent() < 32 * 64 * 1024, "removed before the flush could finish");
        events.awaitSocketRemoved(pair.server());
        assertEquals(0, sink.stats().removed(ClientStatus.FLUSHING));
    }

    @Test
    void removedChannelCanBeAddedAgain() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair pair = addClient();
        final StreamReader reader = loopback.reader(pair, "re-added");
        final List<byte[]> first = payloads(97, 50, 1000);
        renderAll(first, TestSupport::direct);
        reader.awaitSize(concat(first).length);
        sink.remove(pair.server());
        events.awaitSocketRemoved(pair.server());

        renderAll(payloads(98, 50, 1000), TestSupport::direct); // not for the removed client
        sink.add(pair.server());
        await(() -> events.of(pair.server()).size() == 4, () -> "second clientAdded: " + events.of(pair.server()));
        assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED, Kind.ADDED),
            kinds(events.of(pair.server())));
        final List<byte[]> third = payloads(99, 50, 1000);
        renderAll(third, TestSupport::direct);
        final byte[] expected = concat(concat(first), concat(third));
        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes());
        assertEquals(2, sink.stats().clientsAdded());
    }

    @Test
    void channelClosedBehindTheSinksBackIsRemovedClosed() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair healthy = addClient();
        final StreamReader reader = loopback.reader(healthy, "healthy-2");
        final Pair closed = addClient();
        closed.server().close(); // the application closes a channel it handed in

        final List<byte[]> data = payloads(110, 200, 1000);
        renderAll(data, TestSupport::direct);
        final Event removed = events.awaitRemoved(closed.server());
        assertEquals(ClientStatus.CLOSED, removed.status(), "a channel closed behind the sink's back is CLOSED");
        events.awaitSocketRemoved(closed.server());
        reader.awaitSize(concat(data).length);
        assertArrayEquals(concat(data), reader.bytes());
        assertEquals(1, sink.stats().numHandles());
    }

    // ------------------------------------------------------------------------------------------
    // close
    // ------------------------------------------------------------------------------------------

    @Test
    void closeRemovesEveryClientAndIsIdempotent() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Pair a = addClient();
        final Pair b = addClient();
        renderAll(payloads(100, 50, 1000), TestSupport::direct);

        sink.close();
        // the callbacks have run before close() returned: no waiting here
        for (final Pair p : List.of(a, b))
        {
            final List<Event> mine = events.of(p.server());
            assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED), kinds(mine));
            assertEquals(ClientStatus.REMOVED, mine.get(1).status());
            assertNotNull(mine.get(1).stats());
            assertOnSelectorThread(mine);
            assertTrue(p.server().isOpen(), "close must not close handed channels");
        }
        final int count = events.all().size();

        sink.close();
        sink.close();
        assertEquals(count, events.all().size(), "a second close must not remove anything again");
        final SinkStats stats = sink.stats();
        assertEquals(0, stats.numHandles());
        assertEquals(2, stats.removed(ClientStatus.REMOVED));
        assertNull(sink.getStats(a.server()));
        sink.render(ByteBuffer.allocateDirect(10), BufferFlags.NONE, PTS_NONE, PTS_NONE); // dropped, no failure
        sink.remove(a.server()); // ignored
        assertEquals(count, events.all().size());
    }

    @Test
    void closeBeforeStartIsAllowed()
    {
        final MultiSocketSink s = new MultiSocketSink(SinkConfig.defaults());
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, s::start);
        assertEquals(0, s.stats().numHandles());
    }
}
