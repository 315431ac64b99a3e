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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static io.fanout.sink.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soft and hard lag limits over loopback sockets (semantics Part B docs/semantics.md §6 with A.1 and A.2.3).
 * <p>
 * <b>How a client lags deterministically.</b> The stalled client's pair has 4 KiB socket buffers
 * and the test never reads it: the kernel takes about 12 KiB of the first 32 KiB buffer (B0) and
 * nothing more, so B0 stays partly written and every later buffer B1, B2, ... is pending whole.
 * In the reference's terms its {@code bufpos} after Bj is {@code j - 1}. That holds whatever the
 * timing, so each scenario below has exactly one correct outcome.
 * <p>
 * <b>Per buffer or in a batch.</b> Lag limits may be evaluated lazily on the selector thread "as
 * long as the outcomes are the same as if they were evaluated at every buffer" (docs/semantics.md A.1). Scenarios
 * run in two modes: {@link Mode#PACED} lets the selector thread see every buffer on its own (the
 * test waits until it has dealt with one before rendering the next, see {@link #settle()}) and
 * checks buffers-dropped after each one; {@link Mode#BATCHED} holds the selector thread inside a
 * clientFilter callback while all the buffers are rendered, so it sees them in one go. Both must
 * give the same outcome.
 * <p>
 * <b>Where a recovered client resumes</b> is checked on the byte stream: every buffer carries its
 * id in its first 4 bytes; after the scenario the test starts reading and compares the stream
 * with the expected ids (B0 is always finished first, docs/semantics.md §6.2), then renders one more marker buffer
 * so that anything unexpected in between would show.
 */
@Timeout(20)
class LagLimitScenariosTest extends LoopbackSinkTest
{
    /**
     * Payload size of every buffer: more than the stalled pair's sockets take (about 12 KiB), and
     * small enough that a whole batch fits a reading client's socket at once.
     */
    private static final int SIZE = 32 * 1024;
    /** pts step of the rendered buffers. */
    private static final long PTS_STEP_NS = 40_000_000L;
    private static final int K = BufferFlags.NONE;
    private static final int D = BufferFlags.DELTA_UNIT;

    /** How the selector thread sees the rendered buffers. */
    enum Mode
    {
        /** One buffer per selector round. */
        PACED,
        /** All buffers of the scenario in one selector round. */
        BATCHED
    }

    /** Caught-up reading clients that receive every buffer: {@link #settle()} waits for them. */
    private final List<StreamReader> paced = new ArrayList<>();
    private long renderedBytes;

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    /** Starts the sink with one reading "probe" client, which {@link #settle()} waits for. */
    private void startSinkWithProbe(final SinkConfig config) throws IOException
    {
        startSink(config);
        paced.add(readingClient("probe"));
    }

    private static SinkConfig limits(final RecoverPolicy policy, final long soft, final long hard)
    {
        return SinkConfig.builder().unitFormat(UnitFormat.BUFFERS).unitsSoftMax(soft).unitsMax(hard)
            .recoverPolicy(policy).build();
    }

    /** The payload of buffer {@code id}: its id in the first 4 bytes, then bytes that depend on it. */
    static byte[] payload(final int id, final int size)
    {
        final byte[] b = new byte[size];
        for (int k = 0; k < size; k++)
        {
            b[k] = (byte)(id * 131 + k * 7 + (k >>> 9));
        }
        for (int k = 0; k < 4 && k < size; k++)
        {
            b[k] = (byte)(id >>> (8 * k));
        }
        return b;
    }

    static byte[] stream(final int... ids)
    {
        final byte[] r = new byte[ids.length * SIZE];
        for (int i = 0; i < ids.length; i++)
        {
            System.arraycopy(payload(ids[i], SIZE), 0, r, i * SIZE, SIZE);
        }
        return r;
    }

    /** The ids found at each SIZE boundary of a received stream, for failure messages. */
    static List<String> ids(final byte[] received)
    {
        final List<String> r = new ArrayList<>();
        for (int at = 0; at < received.length; at += SIZE)
        {
            if (received.length - at < 4)
            {
                r.add("<" + (received.length - at) + " bytes>");
                break;
            }
            final int id = (received[at] & 0xff) | (received[at + 1] & 0xff) << 8 | (received[at + 2] & 0xff) << 16 |
                (received[at + 3] & 0xff) << 24;
            r.add(received.length - at < SIZE ? "B" + id + "<partial " + (received.length - at) + ">" : "B" + id);
        }
        return r;
    }

    private void render(final int id, final int flags)
    {
        sink.render(TestSupport.direct(payload(id, SIZE), id % 5), flags, id * PTS_STEP_NS, PTS_STEP_NS);
        renderedBytes += SIZE;
    }

    /**
     * Waits until the selector thread has dealt with every buffer rendered so far, limits
     * included. The paced readers are caught up (each has read everything before the next render,
     * or the selector thread was held while a batch was rendered), so the selector thread writes
     * a new buffer to them in the same loop round that first sees it, just before it checks the
     * lag limits of that round; once they have everything, a stats round trip (a command runs
     * at the start of a round) returns after those checks and after any callback they caused.
     */
    private void settle()
    {
        assertTrue(!paced.isEmpty(), "settle() needs a paced reader");
        for (final StreamReader reader : paced)
        {
            reader.awaitSize(renderedBytes);
        }
        sink.stats();
    }

    /** A connected client whose socket buffers are tiny and that the test does not read (yet). */
    private Pair stalledClient() throws IOException
    {
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        return pair;
    }

    /** A client with default socket buffers and a reader thread. */
    private StreamReader readingClient(final String name) throws IOException
    {
        final Pair pair = loopback.pair();
        final StreamReader reader = loopback.reader(pair, name);
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        return reader;
    }

    /** Renders B0 (a keyframe) and waits until the stalled client holds it partly written. */
    private void fill(final Pair stalled)
    {
        render(0, K);
        await(() ->
        {
            final ClientStats s = sink.getStats(stalled.server());
            return s != null && s.bytesSent() > 0 && s.lagBuffers() == 1;
        }, () -> "the stalled client to take part of B0: " + sink.getStats(stalled.server()));
        settle();
        final ClientStats s = sink.getStats(stalled.server());
        assertTrue(s.bytesSent() < SIZE,
            "test precondition: the kernel must not take all of B0 (took " + s.bytesSent() + " bytes)");
    }

    /**
     * Renders buffers B1.. with the given flags, as the mode says. In PACED mode, after each
     * buffer Bj the client's buffers-dropped must be {@code droppedAfter[j - 1]} (-1: removed).
     */
    private void renderScenario(final Mode mode, final Pair stalled, final int[] flags, final long[] droppedAfter)
        throws Exception
    {
        if (mode == Mode.BATCHED)
        {
            withSelectorHeld(() ->
            {
                for (int j = 1; j <= flags.length; j++)
                {
                    render(j, flags[j - 1]);
                }
            });
            settle();
            checkStep(stalled, flags.length, droppedAfter[flags.length - 1]);
            return;
        }
        for (int j = 1; j <= flags.length; j++)
        {
            render(j, flags[j - 1]);
            settle();
            checkStep(stalled, j, droppedAfter[j - 1]);
        }
    }

    private void checkStep(final Pair stalled, final int id, final long expectedDropped)
    {
        final boolean removed = events.of(stalled.server()).stream().anyMatch(e -> e.kind() == Kind.REMOVED);
        if (expectedDropped < 0)
        {
            assertTrue(removed,
                () -> "the client must have been removed by B" + id + ": " + events.of(stalled.server()));
            return;
        }
        assertTrue(!removed,
            () -> "the client must still be connected after B" + id + ": " + events.of(stalled.server()));
        assertEquals(expectedDropped, sink.getStats(stalled.server()).buffersDropped(),
            () -> "buffersDropped after B" + id + ": " + sink.getStats(stalled.server()));
    }

    /**
     * Holds the selector thread inside a clientFilter callback while {@code renders} runs, so that
     * it sees every one of those buffers in the same round (as a busy or descheduled selector
     * thread would). The callback waits on a latch, bounded.
     */
    private void withSelectorHeld(final ThrowingRunnable renders) throws Exception
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean first = new AtomicBoolean(true);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread holder = new Thread(() ->
        {
            try
            {
                sink.clientFilter((channel, stats) ->
                {
                    if (first.compareAndSet(true, false))
                    {
                        entered.countDown();
                        try
                        {
                            if (!release.await(5, TimeUnit.SECONDS))
                            {
                                failure.compareAndSet(null, new AssertionError("selector thread held too long"));
                            }
                        }
                        catch (final InterruptedException ex)
                        {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return FilterResult.KEEP;
                });
            }
            catch (final Throwable ex)
            {
                failure.compareAndSet(null, ex);
            }
        }, "selector-holder");
        holder.setDaemon(true);
        holder.start();
        try
        {
            assertTrue(entered.await(5, TimeUnit.SECONDS), "the selector thread did not run the filter");
            renders.run();
        }
        finally
        {
            release.countDown();
            holder.join(5000);
        }
        assertNull(failure.get(), () -> "holding the selector thread failed: " + failure.get());
    }

    @FunctionalInterface
    interface ThrowingRunnable
    {
        void run() throws Exception;
    }

    /**
     * Starts reading the stalled client and checks its whole stream is exactly {@code ids}; then
     * renders the marker buffer {@code markerId} and checks it follows at once.
     */
    private void assertResumes(final Pair stalled, final int markerId, final int markerFlags, final int... ids)
    {
        final StreamReader reader = loopback.reader(stalled, "stalled");
        final byte[] expected = stream(ids);
        reader.awaitSize(expected.length);
        sink.stats();
        assertArrayEquals(expected, reader.bytes(),
            () -> "stream of the recovered client: expected " + ids(expected) + ", received " + ids(reader.bytes()));
        render(markerId, markerFlags);
        final byte[] withMarker = TestSupport.concat(expected, stream(markerId));
        reader.awaitSize(withMarker.length);
        settle();
        assertArrayEquals(withMarker, reader.bytes(),
            () -> "after the marker: expected " + ids(withMarker) + ", received " + ids(reader.bytes()));
    }

    private long dropped(final Pair pair)
    {
        final ClientStats s = sink.getStats(pair.server());
        assertNotNull(s, "the client must still be connected");
        return s.buffersDropped();
    }

    // ------------------------------------------------------------------------------------------
    // recover policies (docs/semantics.md §6.2, A.2.3)
    // ------------------------------------------------------------------------------------------

    /**
     * resync-latest, soft 3 buffers: B4 puts 4 whole buffers (B1..B4) behind the client, bufpos 3;
     * all of them are skipped (dropped 4) and it continues with the next buffer rendered, B5. B5..B7
     * then put it at bufpos 2, under the limit again.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void resyncLatestSkipsWhatWasPendingAndResumesWithTheNextBuffer(final Mode mode) throws Exception
    {
        startSinkWithProbe(limits(RecoverPolicy.RESYNC_LATEST, 3, -1));
        final Pair stalled = stalledClient();
        fill(stalled);
        renderScenario(mode, stalled, new int[] {D, D, D, D, D, D, D}, new long[] {0, 0, 0, 4, 4, 4, 4});
        assertEquals(4, dropped(stalled), "buffers-dropped: B1..B4 skipped once, nothing since");
        assertResumes(stalled, 8, D, 0, 5, 6, 7);
        assertEquals(4, dropped(stalled));
        assertEquals(ClientStatus.OK, sink.getStats(stalled.server()).status());
    }

    /**
     * resync-soft-limit, soft 3 buffers: at bufpos 3 (after B4) nothing changes; each further
     * buffer drops the oldest pending one, holding the lag at 4 whole buffers: after B7 the
     * client has dropped B1..B3 and still has B4..B7.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void resyncSoftLimitHoldsTheLagAtTheSoftLimitDroppingTheOldest(final Mode mode) throws Exception
    {
        startSinkWithProbe(limits(RecoverPolicy.RESYNC_SOFT_LIMIT, 3, -1));
        final Pair stalled = stalledClient();
        fill(stalled);
        renderScenario(mode, stalled, new int[] {D, D, D, D, D, D, D}, new long[] {0, 0, 0, 0, 1, 2, 3});
        assertEquals(3, dropped(stalled), "buffers-dropped");
        assertResumes(stalled, 8, D, 0, 4, 5, 6, 7);
        assertEquals(3, dropped(stalled));
    }

    /**
     * resync-keyframe (docs/semantics.md A.2.3), soft 5 buffers, keyframes B2 and B4 both inside the window when B6
     * puts the client at bufpos 5: it jumps to the most recent one, B4 (dropped B1..B3 = 3), not
     * to the oldest one, B2 (the reference code's Q11). B7 and B8 keep it under the limit.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void resyncKeyframeJumpsToTheNewestKeyframeInsideTheSoftWindow(final Mode mode) throws Exception
    {
        startSinkWithProbe(limits(RecoverPolicy.RESYNC_KEYFRAME, 5, -1));
        final Pair stalled = stalledClient();
        fill(stalled);
        renderScenario(mode, stalled, new int[] {D, K, D, K, D, D, D, D}, new long[] {0, 0, 0, 0, 0, 3, 3, 3});
        assertEquals(3, dropped(stalled), "buffers-dropped: B1, B2, B3");
        assertResumes(stalled, 9, K, 0, 4, 5, 6, 7, 8);
        assertEquals(3, dropped(stalled));
    }

    /**
     * resync-keyframe (docs/semantics.md A.2.3), soft 3 buffers, no keyframe in the window when B4 puts the client
     * at bufpos 3 (the newest keyframe, B0, is at index 4): everything pending is skipped (dropped
     * 4) and the client waits for the next keyframe. The delta B5 is never sent (and, skipped while
     * waiting, not counted); it resumes on the keyframe B6, then B7 — without any further buffer
     * being rendered.
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void resyncKeyframeWithoutKeyframeInTheWindowWaitsForTheNextKeyframe(final Mode mode) throws Exception
    {
        startSinkWithProbe(limits(RecoverPolicy.RESYNC_KEYFRAME, 3, -1));
        final Pair stalled = stalledClient();
        fill(stalled);
        renderScenario(mode, stalled, new int[] {D, D, D, D, D, K, D}, new long[] {0, 0, 0, 4, 4, 4, 4});
        assertEquals(4, dropped(stalled), "buffers-dropped: B1..B4; B5, skipped while waiting, is not counted");
        assertResumes(stalled, 8, D, 0, 6, 7);
        assertEquals(4, dropped(stalled));
    }

    /**
     * resync-keyframe (docs/semantics.md A.2.3) on a client that stays stalled: it waits from B5, resumes on B6,
     * falls behind again (B9 puts it at bufpos 3 with the newest keyframe, B6, at index 3, outside
     * the window): B6..B9 are skipped (dropped 4 + 4), B10 (a delta, skipped while waiting) is
     * never sent, and it resumes on the keyframe B11, then B12.
     * <p>
     * Reading of docs/semantics.md A.2.3 with A.1: a client waiting for a keyframe is positioned on the keyframe
     * when it arrives (as a next-keyframe client is), even while it is still finishing B0, and its
     * lag counts from there; buffers skipped while waiting are not counted (docs/semantics.md §6.2). (The reference
     * mechanics, where bufpos counts on from -1 while waiting, give the same stream here but
     * would count B5 too once the client is moved at B8.)
     */
    @ParameterizedTest
    @EnumSource(Mode.class)
    void resyncKeyframeRecoversAgainWhenTheClientStaysStalled(final Mode mode) throws Exception
    {
        startSinkWithProbe(limits(RecoverPolicy.RESYNC_KEYFRAME, 3, -1));
        final Pair stalled = stalledClient();
        fill(stalled);
        renderScenario(mode, stalled, new int[] {D, D, D, D, D, K, D, D, D, D, K, D},
            new long[] {0, 0, 0, 4, 4, 4, 4, 4, 8, 8, 8, 8});
        assertEquals(8, dropped(stalled), "buffers-dropped: B1..B4, then B6..B9");
        assertResumes(stalled, 13, D, 0, 11, 12);
        assertEquals(8, dropped(stalled));
    }

    static Stream<Arguments> hardLimitCases()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final Mode mode : Mode.values())
        {
            // none: over the soft limit nothing happens; the hard limit (bufpos 4, after B5) removes it
            cases.add(Arguments.of(RecoverPolicy.NONE, 2, 4, 5, mode));
            // docs/semantics.md §6.3: hard below soft: the hard limit removes it (bufpos 3, after B4) before any recovery
            cases.add(Arguments.of(RecoverPolicy.RESYNC_LATEST, 5, 3, 4, mode));
            cases.add(Arguments.of(RecoverPolicy.RESYNC_KEYFRAME, 5, 3, 4, mode));
            cases.add(Arguments.of(RecoverPolicy.RESYNC_SOFT_LIMIT, 5, 3, 4, mode));
            // docs/semantics.md §6.3: soft == hard with resync-soft-limit: recovery leaves it at the soft index, >= max
            cases.add(Arguments.of(RecoverPolicy.RESYNC_SOFT_LIMIT, 3, 3, 4, mode));
        }
        return cases.stream();
    }

    /**
     * The hard limit in buffers removes the stalled client with status SLOW at the buffer that
     * puts it at bufpos == units-max, with no buffer dropped by recovery on the way; evaluating
     * lazily must not let a batch of buffers skip past it through a recovery.
     */
    @ParameterizedTest(name = "{0} soft={1} hard={2}: removed at B{3} ({4})")
    @MethodSource("hardLimitCases")
    void hardLimitRemovesSlowWithNothingDropped(
        final RecoverPolicy policy, final int soft, final int hard, final int removedAt, final Mode mode)
        throws Exception
    {
        startSinkWithProbe(limits(policy, soft, hard));
        final Pair stalled = stalledClient();
        fill(stalled);
        // three more buffers after the one that must remove it: a lazy evaluation sees them too
        final int[] flags = new int[removedAt + 3];
        Arrays.fill(flags, D);
        final long[] dropped = new long[flags.length];
        Arrays.fill(dropped, removedAt - 1, dropped.length, -1);
        renderScenario(mode, stalled, flags, dropped);

        final Event removed = events.awaitRemoved(stalled.server());
        assertEquals(ClientStatus.SLOW, removed.status(), "over the hard limit: SLOW (§6.3)");
        assertNotNull(removed.stats(), "getStats works inside clientRemoved");
        assertEquals(0, removed.stats().buffersDropped(), "no recovery happened before the hard limit");
        assertTrue(removed.stats().bytesSent() < SIZE, "it never finished B0: " + removed.stats());
        events.awaitSocketRemoved(stalled.server());
        final SinkStats stats = sink.stats();
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(0, stats.clientsLapped(), "removed by the lag limit, not lapped");
        assertEquals(1, stats.numHandles(), "only the probe is left");
        assertTrue(stalled.server().isOpen(), "the sink never closes a handed channel");
    }

    // ------------------------------------------------------------------------------------------
    // hard limit in each unit (docs/semantics.md §6.1, §6.3) with two readers
    // ------------------------------------------------------------------------------------------

    /**
     * units-max in each unit removes the stalled client (SLOW) at exactly the buffer docs/semantics.md §6.1 says,
     * while two reading clients get every byte in order. Buffers are 32 KiB, pts 40 ms apart:
     * <ul>
     * <li>BUFFERS 3: over at bufpos 3, after B4;</li>
     * <li>BYTES 3 x 32 KiB: 3 buffers are not more than the limit, 4 are: index 4, after B5;</li>
     * <li>TIME 120 ms: 120 ms is not more than the limit, 160 ms is: index 5, after B6.</li>
     * </ul>
     */
    @ParameterizedTest
    @EnumSource(value = UnitFormat.class, names = {"BUFFERS", "BYTES", "TIME"})
    void hardLimitInEachUnitRemovesTheStalledClientWhileReadersGetEverything(final UnitFormat unit) throws Exception
    {
        final long limit;
        final int removedAt;
        switch (unit)
        {
            case BUFFERS:
                limit = 3;
                removedAt = 4;
                break;
            case BYTES:
                limit = 3L * SIZE;
                removedAt = 5;
                break;
            default:
                limit = 3 * PTS_STEP_NS;
                removedAt = 6;
                break;
        }
        startSink(SinkConfig.builder().unitFormat(unit).unitsMax(limit).build());
        final StreamReader a = readingClient("reader-a");
        final Pair stalled = stalledClient();
        final StreamReader b = readingClient("reader-b");
        paced.add(a);
        paced.add(b);

        final int total = removedAt + 4;
        for (int j = 0; j < total; j++)
        {
            render(j, j % 3 == 0 ? K : D);
            settle();
            if (j < removedAt)
            {
                final int id = j;
                assertTrue(events.of(stalled.server()).stream().noneMatch(e -> e.kind() == Kind.REMOVED),
                    () -> "removed too early, after B" + id + ": " + events.of(stalled.server()));
            }
            if (j == removedAt)
            {
                final Event removed = events.awaitRemoved(stalled.server());
                assertEquals(ClientStatus.SLOW, removed.status());
                assertEquals(0, removed.stats().buffersDropped());
                assertTrue(removed.stats().bytesSent() < SIZE, () -> "never finished B0: " + removed.stats());
            }
        }
        final int[] all = new int[total];
        for (int j = 0; j < total; j++)
        {
            all[j] = j;
        }
        final byte[] expected = stream(all);
        assertArrayEquals(expected, a.bytes(), () -> "reader a received " + ids(a.bytes()));
        assertArrayEquals(expected, b.bytes(), () -> "reader b received " + ids(b.bytes()));
        final SinkStats stats = sink.stats();
        assertEquals(2, stats.numHandles());
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(0, stats.clientsLapped());
    }

    /**
     * A time limit cannot fire on buffers without timestamps (docs/semantics.md §5.2, Q5): with units-max of 1 ms in
     * TIME and no pts, a client 9 buffers behind is still connected.
     */
    @Test
    void timeLimitNeverFiresWithoutTimestamps() throws Exception
    {
        startSinkWithProbe(SinkConfig.builder().unitFormat(UnitFormat.TIME).unitsMax(1_000_000L)
            .unitsSoftMax(1_000_000L)
            .recoverPolicy(RecoverPolicy.RESYNC_LATEST).build());
        final Pair stalled = loopback.pair(4096, 4096);
        sink.add(stalled.server());
        events.awaitAdded(stalled.server());
        for (int j = 0; j < 10; j++)
        {
            sink.render(TestSupport.direct(payload(j, SIZE), 0), K, MultiSocketSink.CLOCK_TIME_NONE,
                MultiSocketSink.CLOCK_TIME_NONE);
            renderedBytes += SIZE;
            settle();
        }
        final ClientStats s = sink.getStats(stalled.server());
        assertNotNull(s, "the client must still be connected: " + events.of(stalled.server()));
        assertEquals(ClientStatus.OK, s.status());
        assertEquals(0, s.buffersDropped());
        assertEquals(10, s.lagBuffers(), "B0 in progress and B1..B9 pending");
    }

    // ------------------------------------------------------------------------------------------
    // upstream scenario (docs/semantics.md §5.5, last paragraph)
    // ------------------------------------------------------------------------------------------

    /**
     * units-max = 3 buffers, three clients, one never reads, buffers large enough to fill its
     * socket: that client is removed (SLOW) — exactly when B4 makes it 4 whole buffers behind,
     * since it never finishes B0 — and the other two receive everything.
     */
    @Test
    void unitsMax3WithThreeClientsOneNeverReads() throws Exception
    {
        startSink(SinkConfig.builder().unitsMax(3).build());
        final StreamReader first = readingClient("kick-1");
        final Pair never = stalledClient();
        final StreamReader third = readingClient("kick-3");
        paced.add(first);
        paced.add(third);

        final int total = 16;
        for (int j = 0; j < total; j++)
        {
            render(j, K);
            settle();
            if (j == 3)
            {
                assertEquals(List.of(Kind.ADDED), events.of(never.server()).stream().map(Event::kind).toList(),
                    "3 whole buffers behind is not over units-max=3");
            }
            if (j == 4)
            {
                assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED),
                    events.of(never.server()).stream().map(Event::kind).toList(),
                    "4 whole buffers behind is over units-max=3: removed at B4");
            }
        }
        final Event removed = events.awaitRemoved(never.server());
        assertEquals(ClientStatus.SLOW, removed.status());
        assertTrue(removed.stats().bytesSent() < SIZE, () -> "it never finished B0: " + removed.stats());
        final int[] all = new int[total];
        for (int j = 0; j < total; j++)
        {
            all[j] = j;
        }
        assertArrayEquals(stream(all), first.bytes(), () -> "client 1 received " + ids(first.bytes()));
        assertArrayEquals(stream(all), third.bytes(), () -> "client 3 received " + ids(third.bytes()));
        final SinkStats stats = sink.stats();
        assertEquals(2, stats.numHandles());
        assertEquals(1, stats.removed(ClientStatus.SLOW));
        assertEquals(3, stats.clientsAdded());
        final long removals = events.all().stream().filter(e -> e.kind() == Kind.REMOVED).count();
        assertEquals(1, removals, "only the client that never reads is removed: " + events.all());
    }
}
