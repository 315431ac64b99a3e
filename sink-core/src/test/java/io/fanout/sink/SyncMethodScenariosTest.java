package io.fanout.sink;

import io.fanout.sink.TestSupport.AddedGate;
import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Loopback;
import io.fanout.sink.TestSupport.Pair;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.concat;
import static io.fanout.sink.TestSupport.tagged;
import static io.fanout.sink.TestSupport.taggedRange;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a new client starts, over loopback sockets: the upstream scenarios of docs/semantics.md §5.5 byte
 * for byte, next-keyframe and latest-keyframe (docs/semantics.md §5.3), the timing rule of A.1 (nothing before the
 * first buffer rendered after the add; the start computed on the queue as it stood when that
 * buffer was queued), and bursts in every unit (docs/semantics.md A.2.1), including the worked examples of §5.4 as
 * amended by docs/semantics.md A.2.1.
 * <p>
 * Every test ends with a marker buffer rendered after the expected data: the stream must then be
 * exactly the expected data followed by the marker, which proves no extra byte was sent.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SyncMethodScenariosTest extends LoopbackSinkTest
{
    private static final long NONE = MultiSocketSink.CLOCK_TIME_NONE;
    private static final int KEY = BufferFlags.NONE;
    private static final int DELTA = BufferFlags.DELTA_UNIT;
    /** Size of the buffers of the upstream scenarios (docs/semantics.md §5.5). */
    private static final int SMALL = 16;
    /** Size of the buffers of the worked examples (docs/semantics.md §5.4). */
    private static final int EXAMPLE = 100;
    private static final long MS = 1_000_000L;

    private final List<AddedGate> gates = new ArrayList<>();

    @Override
    void beforeClose()
    {
        gates.forEach(AddedGate::open); // never leave the selector thread held
    }

    /** Renders the 16-byte buffer {@code id}, without timestamp. */
    private void render(final int id, final int flags)
    {
        sink.render(ByteBuffer.wrap(tagged(id, SMALL)), flags, NONE, NONE);
    }

    /** A connected pair with a reader on the test's end; the server end is not added yet. */
    private StreamReader readerFor(final Pair pair, final String name)
    {
        return loopback.reader(pair, name);
    }

    /** Waits until the selector thread has handled every buffer rendered so far. */
    private void drained()
    {
        try
        {
            assertTrue(sink.drain(TestSupport.WAIT.toNanos()), "the sink did not drain in time");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    /** A gate on clientAdded of {@code pair}'s server end, opened at the latest in tearDown. */
    private AddedGate gate(final Pair pair)
    {
        final AddedGate gate = new AddedGate(pair.server());
        gates.add(gate);
        sink.addListener(gate); // after the recorder: it sees clientAdded first
        return gate;
    }

    private void assertNothingSent(final Pair pair, final String what)
    {
        final ClientStats stats = sink.getStats(pair.server());
        assertEquals(0L, stats.bytesSent(), what + ": bytes sent");
    }

    // ------------------------------------------------------------------------------------------
    // docs/semantics.md §5.5: the upstream scenarios, byte for byte
    // ------------------------------------------------------------------------------------------

    /**
     * One row of the table of docs/semantics.md §5.5: the default sync method, client 2's burst maximum, and the
     * first id each client receives (all of them then receive up to id 9).
     */
    enum Upstream
    {
        BURST(SyncMethod.BURST, 200, 5, 6, 7),
        BURST_KEYFRAME(SyncMethod.BURST_KEYFRAME, 90, 4, 8, 8),
        BURST_WITH_KEYFRAME(SyncMethod.BURST_WITH_KEYFRAME, 90, 4, 6, 7);

        final SyncMethod method;
        final long client2Max;
        final int[] firstIds;

        Upstream(final SyncMethod method, final long client2Max, final int... firstIds)
        {
            this.method = method;
            this.client2Max = client2Max;
            this.firstIds = firstIds;
        }
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void upstreamBurstScenariosComeOutByteForByte(final Upstream row) throws Exception
    {
        startSink(SinkConfig.builder()
            .bytesMin(100)
            .burstFormat(UnitFormat.BYTES)
            .burstValue(80)
            .syncMethod(row.method)
            .build());
        // ids 0, 4, 8 are keyframes, the others delta units (the burst rows ignore the flags)
        for (int id = 0; id <= 8; id++)
        {
            render(id, id % 4 == 0 ? KEY : DELTA);
        }
        // docs/semantics.md §5.5: 112 bytes is the first total >= 100, so the queue holds ids 2..8
        await(() -> sink.stats().buffersQueued() == 7, () -> "buffers-queued == 7; stats " + sink.stats());
        assertEquals(9L * SMALL, sink.stats().bytesToServe(), "bytes rendered");

        final Pair[] pairs = {loopback.pair(), loopback.pair(), loopback.pair()};
        final StreamReader[] readers = new StreamReader[3];
        for (int c = 0; c < 3; c++)
        {
            readers[c] = readerFor(pairs[c], row + "-client" + (c + 1));
        }
        sink.add(pairs[0].server());
        sink.addFull(pairs[1].server(), row.method, UnitFormat.BYTES, 50, UnitFormat.BYTES, row.client2Max);
        sink.addFull(pairs[2].server(), row.method, UnitFormat.BYTES, 50, UnitFormat.BYTES, 50);
        for (final Pair pair : pairs)
        {
            events.awaitAdded(pair.server());
        }
        for (int c = 0; c < 3; c++)
        {
            // docs/semantics.md A.1: a burst is available, but nothing goes out before a buffer rendered after the add
            assertNothingSent(pairs[c], row + " client " + (c + 1) + " before buffer 9");
        }

        render(9, DELTA);
        for (int c = 0; c < 3; c++)
        {
            readers[c].awaitExactly(taggedRange(row.firstIds[c], 9, SMALL),
                row + ": client " + (c + 1) + " must receive ids " + row.firstIds[c] + "..9");
        }
        // the queue as docs/semantics.md §5.5 has it once buffer 9 is in: ids 3..9
        await(() -> sink.stats().buffersQueued() == 7, () -> "buffers-queued == 7 after id 9; stats " + sink.stats());

        render(10, DELTA); // the marker: nothing else may have been sent before it
        for (int c = 0; c < 3; c++)
        {
            readers[c].awaitExactly(taggedRange(row.firstIds[c], 10, SMALL),
                row + ": client " + (c + 1) + " must receive ids " + row.firstIds[c] + "..9, then the marker 10");
            assertEquals((11L - row.firstIds[c]) * SMALL, sink.getStats(pairs[c].server()).bytesSent(),
                row + ": client " + (c + 1) + " bytes-sent");
        }
    }

    // ------------------------------------------------------------------------------------------
    // next-keyframe
    // ------------------------------------------------------------------------------------------

    @Test
    void nextKeyframeSkipsLeadingDeltaUnitsAndNeverGoesBack() throws Exception
    {
        // the retention keeps an older keyframe (id 0): next-keyframe must not go back to it
        startSink(SinkConfig.builder().bytesMin(10_000).build());
        render(0, KEY);
        render(1, DELTA);
        await(() -> sink.stats().buffersQueued() == 2, () -> "ids 0 and 1 retained; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "next-keyframe");
        sink.addFull(pair.server(), SyncMethod.NEXT_KEYFRAME, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
        events.awaitAdded(pair.server());

        render(2, DELTA);
        render(3, DELTA);
        drained();
        assertNothingSent(pair, "next-keyframe client before any keyframe");
        assertEquals(0, reader.size(), "bytes received before any keyframe");

        render(4, KEY);
        render(5, DELTA);
        reader.awaitExactly(taggedRange(4, 5, SMALL), "next-keyframe: the keyframe 4 and the delta 5 only");
        render(6, DELTA);
        reader.awaitExactly(taggedRange(4, 6, SMALL), "next-keyframe: ids 4..5, then the marker 6");
    }

    @Test
    void nextKeyframeClientAddedBeforeAKeyframeReadsTheKeyframeAndTheDelta() throws Exception
    {
        // upstream: sync-method=next-keyframe as the default, client added with add()
        startSink(SinkConfig.builder().syncMethod(SyncMethod.NEXT_KEYFRAME).build());
        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "next-keyframe-upstream");
        sink.add(pair.server()); // docs/semantics.md A.1: every buffer rendered after add() returns is eligible

        render(0, KEY);
        render(1, DELTA);
        reader.awaitExactly(taggedRange(0, 1, SMALL), "next-keyframe client reads the keyframe and the delta");
        render(2, DELTA);
        reader.awaitExactly(taggedRange(0, 2, SMALL), "ids 0..1, then the marker 2");
    }

    // ------------------------------------------------------------------------------------------
    // latest-keyframe
    // ------------------------------------------------------------------------------------------

    @Test
    void latestKeyframeGoesBackToTheNewestRetainedKeyframe() throws Exception
    {
        // the default latest-keyframe makes the keyframe rule (docs/semantics.md §4.3, A.2.12) keep id 0
        startSink(SinkConfig.builder().syncMethod(SyncMethod.LATEST_KEYFRAME).build());
        render(0, KEY);
        render(1, DELTA);
        render(2, DELTA);
        await(() -> sink.stats().buffersQueued() == 3, () -> "ids 0..2 retained; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "latest-keyframe");
        sink.add(pair.server());
        sink.stats(); // runs on the selector thread after the add
        assertNothingSent(pair, "A.1: latest-keyframe client before a buffer rendered after its add");

        render(3, DELTA);
        reader.awaitExactly(taggedRange(0, 3, SMALL), "latest-keyframe: back to keyframe 0, then 1..3");
        render(4, DELTA);
        reader.awaitExactly(taggedRange(0, 4, SMALL), "ids 0..3, then the marker 4");
    }

    @Test
    void latestKeyframeWithoutRetainedKeyframeBecomesNextKeyframe() throws Exception
    {
        startSink(SinkConfig.builder().syncMethod(SyncMethod.LATEST_KEYFRAME).build());
        render(0, DELTA);
        render(1, DELTA);

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "latest-keyframe-fallback");
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        render(2, DELTA);
        render(3, DELTA);
        drained();
        assertNothingSent(pair, "latest-keyframe client with no keyframe anywhere");

        render(4, KEY);
        render(5, DELTA);
        reader.awaitExactly(taggedRange(4, 5, SMALL), "latest-keyframe turned next-keyframe: keyframe 4, delta 5");
        render(6, DELTA);
        reader.awaitExactly(taggedRange(4, 6, SMALL), "ids 4..5, then the marker 6");
    }

    @Test
    void latestKeyframeIgnoresAKeyframeOutsideTheSoftWindow() throws Exception
    {
        // the keyframe rule keeps the newest keyframe only within the soft window (docs/semantics.md §4.3, 2 buffers
        // here): keyframe 0 has left the retained queue by the time the client is positioned
        startSink(SinkConfig.builder()
            .syncMethod(SyncMethod.LATEST_KEYFRAME)
            .unitFormat(UnitFormat.BUFFERS)
            .unitsSoftMax(2)
            .build());
        for (int id = 0; id <= 4; id++)
        {
            render(id, id == 0 ? KEY : DELTA);
        }
        await(() -> sink.stats().buffersQueued() == 1, () -> "keyframe 0 released; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "latest-keyframe-outside");
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        render(5, DELTA);
        drained();
        assertNothingSent(pair, "latest-keyframe client whose keyframe was not retained");

        render(6, KEY);
        render(7, DELTA);
        reader.awaitExactly(taggedRange(6, 7, SMALL), "latest-keyframe waits for the next keyframe: 6, 7");
        render(8, DELTA);
        reader.awaitExactly(taggedRange(6, 8, SMALL), "ids 6..7, then the marker 8");
    }

    @Test
    void aConnectedLatestKeyframeClientKeepsTheKeyframeForLaterOnes() throws Exception
    {
        // docs/semantics.md A.2.12: the default is latest (no keyframe rule), but a connected latest-keyframe client
        // turns the rule on, so a second one still finds keyframe 0
        startSink(SinkConfig.defaults());
        final Pair first = loopback.pair();
        final StreamReader firstReader = readerFor(first, "keyframe-rule-1");
        sink.addFull(first.server(), SyncMethod.LATEST_KEYFRAME, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
        events.awaitAdded(first.server());

        render(0, KEY);
        render(1, DELTA);
        render(2, DELTA);
        firstReader.awaitExactly(taggedRange(0, 2, SMALL), "first latest-keyframe client");
        await(() -> sink.stats().buffersQueued() == 3, () -> "keyframe 0 kept; stats " + sink.stats());

        final Pair second = loopback.pair();
        final StreamReader secondReader = readerFor(second, "keyframe-rule-2");
        sink.addFull(second.server(), SyncMethod.LATEST_KEYFRAME, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
        events.awaitAdded(second.server());
        render(3, DELTA);
        secondReader.awaitExactly(taggedRange(0, 3, SMALL), "second latest-keyframe client goes back to 0");
        render(4, DELTA);
        secondReader.awaitExactly(taggedRange(0, 4, SMALL), "ids 0..3, then the marker 4");
        firstReader.awaitExactly(taggedRange(0, 4, SMALL), "first client: every buffer once");
    }

    // ------------------------------------------------------------------------------------------
    // docs/semantics.md A.1 timing and bursts
    // ------------------------------------------------------------------------------------------

    @Test
    void burstClientGetsNothingUntilABufferIsRenderedAfterItsAdd() throws Exception
    {
        // bytes-min 64 keeps 4 buffers; the default burst is 48 bytes (3 buffers)
        startSink(SinkConfig.builder()
            .bytesMin(64)
            .syncMethod(SyncMethod.BURST)
            .burstFormat(UnitFormat.BYTES)
            .burstValue(48)
            .build());
        for (int id = 0; id <= 5; id++)
        {
            render(id, KEY);
        }
        await(() -> sink.stats().buffersQueued() == 4, () -> "ids 2..5 retained; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "burst-timing");
        sink.add(pair.server());
        final SinkStats afterAdd = sink.stats(); // executes on the selector thread after the add
        assertEquals(1, afterAdd.numHandles(), "the client is added");
        final ClientStats stats = sink.getStats(pair.server());
        assertEquals(0L, stats.bytesSent(), "A.1: a burst client gets nothing before a new buffer");
        assertEquals(0L, stats.lagBuffers(), "nothing is pending for the client yet");
        assertEquals(0, reader.size(), "bytes received before a new buffer");

        // the queue when id 6 is queued: ids 3..6 (64 bytes); the 48-byte burst is ids 4..6
        render(6, KEY);
        reader.awaitExactly(taggedRange(4, 6, SMALL), "burst of 48 bytes from the queue as it stood at id 6");
        render(7, KEY);
        reader.awaitExactly(taggedRange(4, 7, SMALL), "ids 4..6, then the marker 7");
    }

    @Test
    void burstStartIsComputedOnTheQueueAsItStoodWhenTheFirstPostAddBufferWasQueued() throws Exception
    {
        // docs/semantics.md §5.5's burst setting; the selector thread is held in clientAdded while ids 9..12 are
        // rendered, so it first looks at the client when the head is already 12
        startSink(SinkConfig.builder()
            .bytesMin(100)
            .burstFormat(UnitFormat.BYTES)
            .burstValue(80)
            .syncMethod(SyncMethod.BURST)
            .build());
        for (int id = 0; id <= 8; id++)
        {
            render(id, KEY);
        }
        await(() -> sink.stats().buffersQueued() == 7, () -> "ids 2..8 retained; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "burst-late-selector");
        final AddedGate gate = gate(pair);
        sink.add(pair.server());
        gate.awaitHeld();
        for (int id = 9; id <= 12; id++)
        {
            render(id, KEY);
        }
        gate.open();
        // docs/semantics.md A.1: the 80-byte burst on the queue at id 9 (ids 3..9) is ids 5..9, then 10..12 follow;
        // computed on the queue at id 12 it would be ids 8..12
        reader.awaitExactly(taggedRange(5, 12, SMALL), "burst from the queue as it stood at id 9, then 10..12");
        render(13, KEY);
        reader.awaitExactly(taggedRange(5, 13, SMALL), "ids 5..12, then the marker 13");
    }

    @Test
    void latestClientPositionedLateGetsEveryBufferRenderedAfterItsAdd() throws Exception
    {
        // docs/semantics.md §5.4 "latest, bufpos 3 because the I/O thread was late": ids 1..4 arrive before the
        // selector thread looks at the client; with docs/semantics.md A.1 it gets all of them, and not id 0
        startSink(SinkConfig.defaults());
        render(0, KEY);
        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "latest-late-selector");
        final AddedGate gate = gate(pair);
        sink.add(pair.server());
        gate.awaitHeld();
        for (int id = 1; id <= 4; id++)
        {
            render(id, id == 1 ? KEY : DELTA);
        }
        gate.open();
        reader.awaitExactly(taggedRange(1, 4, SMALL), "latest: every buffer rendered after the add");
        render(5, DELTA);
        reader.awaitExactly(taggedRange(1, 5, SMALL), "ids 1..4, then the marker 5");
    }

    @Test
    void nextKeyframeStartsAtTheOldestKeyframeRenderedSinceItsAdd() throws Exception
    {
        // docs/semantics.md §5.3: next-keyframe takes the oldest keyframe among the buffers received since the add;
        // the selector thread sees ids 1..5 at once, with keyframes 2 and 4 among them
        startSink(SinkConfig.builder().bytesMin(10_000).build());
        render(0, KEY);
        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "next-keyframe-late-selector");
        final AddedGate gate = gate(pair);
        sink.addFull(pair.server(), SyncMethod.NEXT_KEYFRAME, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
        gate.awaitHeld();
        for (int id = 1; id <= 5; id++)
        {
            render(id, id % 2 == 0 ? KEY : DELTA);
        }
        gate.open();
        reader.awaitExactly(taggedRange(2, 5, SMALL), "next-keyframe: from keyframe 2, not 0 nor 4");
        render(6, DELTA);
        reader.awaitExactly(taggedRange(2, 6, SMALL), "ids 2..5, then the marker 6");
    }

    @Test
    void waitingKeyframeClientStartsAtTheOldestOfSeveralNewKeyframes() throws Exception
    {
        // latest-keyframe with nothing retained becomes next-keyframe at id 1; while it waits the
        // selector thread is held (by another client's add) as ids 2..5 arrive: it starts at 3
        startSink(SinkConfig.builder().syncMethod(SyncMethod.LATEST_KEYFRAME).build());
        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "waiting-keyframe");
        sink.add(pair.server());
        render(1, DELTA);
        drained();
        assertNothingSent(pair, "latest-keyframe client with no keyframe");

        final Pair other = loopback.pair();
        final StreamReader otherReader = readerFor(other, "gate-holder");
        final AddedGate gate = gate(other);
        sink.addFull(other.server(), SyncMethod.LATEST, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
        gate.awaitHeld();
        render(2, DELTA);
        render(3, KEY);
        render(4, DELTA);
        render(5, KEY);
        gate.open();
        reader.awaitExactly(taggedRange(3, 5, SMALL), "the waiting client starts at the oldest new keyframe, 3");
        otherReader.awaitExactly(taggedRange(2, 5, SMALL), "the latest client added meanwhile gets ids 2..5");
        render(6, DELTA);
        reader.awaitExactly(taggedRange(3, 6, SMALL), "ids 3..5, then the marker 6");
    }

    @Test
    void burstInBuffersTakesTheMinimumFromTheQueueAsItStoodAtTheFirstNewBuffer() throws Exception
    {
        // bytes-min 160 keeps exactly 10 buffers of 16 bytes
        startSink(SinkConfig.builder().bytesMin(10 * SMALL).build());
        for (int id = 0; id <= 9; id++)
        {
            render(id, id % 3 == 0 ? KEY : DELTA);
        }
        await(() -> sink.stats().buffersQueued() == 10, () -> "ids 0..9 retained; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "burst-buffers");
        sink.addFull(pair.server(), SyncMethod.BURST, UnitFormat.BUFFERS, 4, UnitFormat.UNDEFINED, -1);
        events.awaitAdded(pair.server());
        assertNothingSent(pair, "A.1: burst in buffers before a new buffer");

        // queue at id 10: ids 1..10; min 4 buffers: minIdx 3, so the three newest old ones and id 10
        render(10, DELTA);
        reader.awaitExactly(taggedRange(7, 10, SMALL), "A.2.1: a burst of 4 buffers is ids 7..10");
        render(11, DELTA);
        reader.awaitExactly(taggedRange(7, 11, SMALL), "ids 7..10, then the marker 11");
    }

    /**
     * One row of the worked examples of docs/semantics.md §5.4, with the results amended by A.2.1: the client's
     * method and burst, and the first buffer it receives (-1: it waits for the next keyframe).
     */
    record Example(String name, SyncMethod method, UnitFormat minFormat, long minValue, UnitFormat maxFormat,
                   long maxValue, int firstId)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    private static Example row(final String name, final SyncMethod method, final UnitFormat minFormat,
        final long minValue, final UnitFormat maxFormat, final long maxValue, final int firstId)
    {
        return new Example(name, method, minFormat, minValue, maxFormat, maxValue, firstId);
    }

    static Stream<Example> workedExamples()
    {
        final UnitFormat u = UnitFormat.UNDEFINED;
        final UnitFormat b = UnitFormat.BYTES;
        final UnitFormat n = UnitFormat.BUFFERS;
        final UnitFormat t = UnitFormat.TIME;
        final SyncMethod burst = SyncMethod.BURST;
        final SyncMethod bk = SyncMethod.BURST_KEYFRAME;
        final SyncMethod bwk = SyncMethod.BURST_WITH_KEYFRAME;
        return Stream.of(
            row("latest", SyncMethod.LATEST, u, -1, u, -1, 9),
            row("next-keyframe (B9 forgotten)", SyncMethod.NEXT_KEYFRAME, u, -1, u, -1, -1),
            row("latest-keyframe", SyncMethod.LATEST_KEYFRAME, u, -1, u, -1, 6),
            row("burst, format undefined", burst, u, -1, u, -1, 9),
            row("burst, min 250 bytes", burst, b, 250, u, -1, 7),
            row("burst, min 250 bytes, max 250 bytes", burst, b, 250, b, 250, 8),
            row("burst, min 300 bytes, max 300 bytes", burst, b, 300, b, 300, 8),
            row("burst, min 250 bytes, max 400 bytes", burst, b, 250, b, 400, 7),
            row("burst, min 1000 bytes (A.2.1: B0..B9)", burst, b, 1000, u, -1, 0),
            row("burst, min 5000 bytes (A.2.1: B0..B9)", burst, b, 5000, u, -1, 0),
            row("burst, min 100 ms", burst, t, 100 * MS, u, -1, 6),
            row("burst, min 100 ms, max 100 ms", burst, t, 100 * MS, t, 100 * MS, 7),
            row("burst, min 4 buffers (A.2.1: B6..B9)", burst, n, 4, u, -1, 6),
            row("burst, min 20 buffers (A.2.1: B0..B9)", burst, n, 20, u, -1, 0),
            row("burst, min 250 bytes, max 2 buffers (A.2.1: B9)", burst, b, 250, n, 2, 9),
            row("burst-keyframe, min 250 bytes", bk, b, 250, u, -1, 6),
            row("burst-keyframe, min 250 bytes, max 350 bytes (waits)", bk, b, 250, b, 350, -1),
            row("burst-keyframe, min 250 bytes, max 500 bytes", bk, b, 250, b, 500, 6),
            row("burst-keyframe, min 450 bytes, max 1000 bytes", bk, b, 450, b, 1000, 2),
            row("burst-keyframe, min 850 bytes (newer-direction fallback)", bk, b, 850, u, -1, 2),
            row("burst-keyframe, min 50 bytes, max 100 bytes (waits)", bk, b, 50, b, 100, -1),
            row("burst-with-keyframe, min 250 bytes", bwk, b, 250, u, -1, 6),
            row("burst-with-keyframe, min 250 bytes, max 350 bytes", bwk, b, 250, b, 350, 7),
            row("burst-with-keyframe, min 350 bytes, max 350 bytes", bwk, b, 350, b, 350, 7),
            row("burst-with-keyframe, min 850 bytes", bwk, b, 850, u, -1, 1),
            row("burst-with-keyframe, min 450 bytes, max 700 bytes", bwk, b, 450, b, 700, 5));
    }

    /**
     * docs/semantics.md §5.4 (with A.2.1) through the sockets: B0..B8 are retained, the client is added, B9 is
     * rendered; the queue as it stood when B9 was queued is B0..B9 (100 bytes each, pts k x 40 ms,
     * keyframes B2 and B6). The marker B10 is a keyframe: a waiting client starts there.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("workedExamples")
    void workedExamplesOfSection54WithA21(final Example example) throws Exception
    {
        startSink(SinkConfig.builder().bytesMin(10 * EXAMPLE).build());
        for (int k = 0; k <= 8; k++)
        {
            renderExample(k);
        }
        await(() -> sink.stats().buffersQueued() == 9, () -> "B0..B8 retained; stats " + sink.stats());

        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "example");
        sink.addFull(pair.server(), example.method(), example.minFormat(), example.minValue(), example.maxFormat(),
            example.maxValue());
        events.awaitAdded(pair.server());
        assertNothingSent(pair, example + " before B9");

        renderExample(9);
        if (example.firstId() >= 0)
        {
            reader.awaitExactly(taggedRange(example.firstId(), 9, EXAMPLE),
                example + ": B" + example.firstId() + "..B9");
        }
        else
        {
            drained();
            assertNothingSent(pair, example + ": waits for the next keyframe");
        }
        renderExample(10);
        final byte[] expected = example.firstId() >= 0 ? taggedRange(example.firstId(), 10, EXAMPLE) :
            tagged(10, EXAMPLE);
        reader.awaitExactly(expected, example + ": then the marker B10 and nothing else");
        assertEquals(expected.length, sink.getStats(pair.server()).bytesSent(), example + ": bytes-sent");
    }

    /** Bk of docs/semantics.md §5.4: 100 bytes, pts k x 40 ms, keyframes B2, B6 (and the marker B10). */
    private void renderExample(final int k)
    {
        final int flags = k == 2 || k == 6 || k == 10 ? KEY : DELTA;
        sink.render(ByteBuffer.wrap(tagged(k, EXAMPLE)), flags, k * 40 * MS, 40 * MS);
    }

    @Test
    void burstPayloadsCarryTheirExactBytes() throws Exception
    {
        // direct and heap buffers mixed, with padding around the payload: the burst is the payload only
        startSink(SinkConfig.builder().bytesMin(64).syncMethod(SyncMethod.BURST).burstFormat(UnitFormat.BUFFERS)
            .burstValue(3).build());
        for (int id = 0; id <= 4; id++)
        {
            final byte[] payload = tagged(id, SMALL);
            sink.render(id % 2 == 0 ? TestSupport.direct(payload, 5) : TestSupport.heap(payload, 7), KEY, NONE, NONE);
        }
        await(() -> sink.stats().buffersQueued() == 4, () -> "ids 1..4 retained; stats " + sink.stats());
        final Pair pair = loopback.pair();
        final StreamReader reader = readerFor(pair, "burst-bytes");
        sink.add(pair.server());
        sink.render(TestSupport.direct(tagged(5, SMALL), 3), KEY, NONE, NONE);
        reader.awaitExactly(concat(List.of(tagged(3, SMALL), tagged(4, SMALL), tagged(5, SMALL))),
            "a burst of 3 buffers: ids 3..5, without padding");
        sink.render(TestSupport.heap(tagged(6, SMALL), 1), KEY, NONE, NONE);
        reader.awaitExactly(taggedRange(3, 6, SMALL), "ids 3..5, then the marker 6");
    }
}
