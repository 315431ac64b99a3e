package io.fanout.sink.internal.sync;

import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.UnitFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.fanout.sink.RecoverPolicy.NONE;
import static io.fanout.sink.RecoverPolicy.RESYNC_KEYFRAME;
import static io.fanout.sink.RecoverPolicy.RESYNC_LATEST;
import static io.fanout.sink.RecoverPolicy.RESYNC_SOFT_LIMIT;
import static io.fanout.sink.UnitFormat.BUFFERS;
import static io.fanout.sink.UnitFormat.BYTES;
import static io.fanout.sink.UnitFormat.TIME;
import static io.fanout.sink.internal.sync.LagPolicy.NEXT_BUFFER;
import static io.fanout.sink.internal.sync.LagPolicy.NEXT_KEYFRAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Lag limits and recovery: semantics Part B docs/semantics.md §6.1 to §6.4, with A.2.3 for resync-keyframe.
 */
class LagPolicyTest
{
    private static final long MS = 1_000_000L;

    /** docs/semantics.md §6.4: B0 .. B10 (B10 newest, index 0), 100 bytes, 40 ms apart, keyframes B2 (index 8) and B6 (index 4). */
    private static ListQueueView elevenBuffers()
    {
        return ListQueueView.numbered("B", 11, 100, 40 * MS, 2, 6);
    }

    /** The three docs/semantics.md §6.4 limit settings: unit, soft limit, hard limit, and the hard index the spec gives. */
    enum Limits
    {
        BUFFERS_5_9(BUFFERS, 5, 9, 9),
        BYTES_450_850(BYTES, 450, 850, 9),
        TIME_150MS_330MS(TIME, 150 * MS, 330 * MS, 10);

        final UnitFormat unit;
        final long soft;
        final long hard;
        final int hardIndex;

        Limits(final UnitFormat unit, final long soft, final long hard, final int hardIndex)
        {
            this.unit = unit;
            this.soft = soft;
            this.hard = hard;
            this.hardIndex = hardIndex;
        }
    }

    static Stream<Arguments> conversions()
    {
        return Stream.of(
            arguments("buffers soft 5 -> index 5", BUFFERS, 5L, 5),
            arguments("buffers hard 9 -> index 9", BUFFERS, 9L, 9),
            arguments("bytes 450 -> index 5 (500 > 450 at index 4)", BYTES, 450L, 5),
            arguments("bytes 850 -> index 9 (900 > 850 at index 8)", BYTES, 850L, 9),
            arguments("time 150 ms -> index 5 (160 ms > 150 ms at index 4)", TIME, 150 * MS, 5),
            arguments("time 330 ms -> index 10 (B1 is 360 ms > 330 ms old at index 9)", TIME, 330 * MS, 10));
    }

    @ParameterizedTest(name = "§6.4 get_buffers_max: {0}")
    @MethodSource("conversions")
    void section64LimitConversions(final String name, final UnitFormat unit, final long limit, final int expectedIndex)
    {
        assertEquals(expectedIndex, LagPolicy.buffersMax(elevenBuffers(), unit, limit));
    }

    /**
     * One cell of the docs/semantics.md §6.4 table: bufpos after the increment, the policy, the expected position
     * (NEXT_BUFFER for the table's -1 of resync-latest), buffers dropped, and whether the hard
     * limit removes the client (only for none at 8 -> 9 with the buffers or bytes hard limit 9).
     */
    record Cell(String row, int bufposAfter, RecoverPolicy policy, int position, long dropped, boolean removedUnlessTimeHard)
    {
    }

    private static final List<Cell> TABLE = List.of(
        new Cell("3 -> 4 (below soft)", 4, NONE, 4, 0, false),
        new Cell("3 -> 4 (below soft)", 4, RESYNC_LATEST, 4, 0, false),
        new Cell("3 -> 4 (below soft)", 4, RESYNC_SOFT_LIMIT, 4, 0, false),
        new Cell("3 -> 4 (below soft)", 4, RESYNC_KEYFRAME, 4, 0, false),
        new Cell("4 -> 5 (at soft)", 5, NONE, 5, 0, false),
        new Cell("4 -> 5 (at soft)", 5, RESYNC_LATEST, NEXT_BUFFER, 6, false),
        new Cell("4 -> 5 (at soft)", 5, RESYNC_SOFT_LIMIT, 5, 0, false),
        new Cell("4 -> 5 (at soft)", 5, RESYNC_KEYFRAME, 4, 1, false),
        new Cell("7 -> 8", 8, NONE, 8, 0, false),
        new Cell("7 -> 8", 8, RESYNC_LATEST, NEXT_BUFFER, 9, false),
        new Cell("7 -> 8", 8, RESYNC_SOFT_LIMIT, 5, 3, false),
        new Cell("7 -> 8", 8, RESYNC_KEYFRAME, 4, 4, false),
        new Cell("8 -> 9", 9, NONE, 9, 0, true),
        new Cell("8 -> 9", 9, RESYNC_LATEST, NEXT_BUFFER, 10, false),
        new Cell("8 -> 9", 9, RESYNC_SOFT_LIMIT, 5, 4, false),
        new Cell("8 -> 9", 9, RESYNC_KEYFRAME, 4, 5, false));

    static Stream<Arguments> recoveryCells()
    {
        final List<Arguments> cases = new ArrayList<>();
        for (final Limits limits : Limits.values())
        {
            for (final Cell c : TABLE)
            {
                final boolean removed = c.removedUnlessTimeHard() && c.bufposAfter() >= limits.hardIndex;
                final String outcome = removed ? "removed SLOW"
                    : (c.position() == NEXT_BUFFER ? "-1 (next buffer)" : String.valueOf(c.position())) + ", " + c.dropped() + " dropped";
                cases.add(arguments(
                    "bufpos " + c.row() + ", " + c.policy() + ", " + limits.unit + " soft " + limits.soft + " hard " + limits.hard + " -> " + outcome,
                    limits, c, removed));
            }
        }
        return cases.stream();
    }

    /**
     * Pass 1 then pass 2 of docs/semantics.md §4.2 for one client: recovery when bufpos >= soft index, dropped
     * counted, then the hard-limit check on the recovered position.
     */
    @ParameterizedTest(name = "§6.4 {0}")
    @MethodSource("recoveryCells")
    void section64RecoveryTable(final String name, final Limits limits, final Cell cell, final boolean removed)
    {
        final ListQueueView q = elevenBuffers();
        final int soft = LagPolicy.buffersMax(q, limits.unit, limits.soft);
        final int hard = LagPolicy.buffersMax(q, limits.unit, limits.hard);
        assertEquals(5, soft, "soft index");
        assertEquals(limits.hardIndex, hard, "hard index");

        int bufpos = cell.bufposAfter();
        long dropped = 0;
        if (bufpos >= soft)
        {
            final int p = LagPolicy.recover(q, cell.policy(), bufpos, soft);
            dropped = LagPolicy.dropped(bufpos, p);
            bufpos = p;
        }
        assertEquals(removed, LagPolicy.overHardLimit(bufpos, hard), "removed SLOW by the hard limit");
        assertEquals(cell.position(), bufpos, "position after recovery");
        assertEquals(cell.dropped(), dropped, "buffers dropped");
        if (cell.position() >= 0 && cell.policy() == RESYNC_KEYFRAME && cell.bufposAfter() >= soft)
        {
            assertTrue(q.isKeyframe(bufpos), "resync-keyframe resumes on a keyframe");
        }
    }

    // ---------------------------------------------------------------------------------------
    // docs/semantics.md A.2.3 beyond the table

    @ParameterizedTest(name = "A.2.3 keyframe only at B2 (index 8, outside soft window 5), bufpos {0} -> next keyframe, {0}+1 dropped")
    @ValueSource(ints = {5, 8, 9, 10})
    void resyncKeyframeWithoutKeyframeInSoftWindowWaitsForNextKeyframe(final int bufpos)
    {
        final ListQueueView q = ListQueueView.numbered("B", 11, 100, 40 * MS, 2);
        final int soft = LagPolicy.buffersMax(q, BUFFERS, 5);
        final int p = LagPolicy.recover(q, RESYNC_KEYFRAME, bufpos, soft);
        assertEquals(NEXT_KEYFRAME, p);
        assertEquals(bufpos + 1L, LagPolicy.dropped(bufpos, p));
        assertFalse(LagPolicy.overHardLimit(p, LagPolicy.buffersMax(q, BUFFERS, 9)));
    }

    @Test
    @DisplayName("A.2.3 no keyframe in the retained queue at all -> next keyframe, bufpos+1 dropped")
    void resyncKeyframeWithoutAnyKeyframe()
    {
        final ListQueueView q = ListQueueView.numbered("B", 11, 100, 40 * MS);
        final int p = LagPolicy.recover(q, RESYNC_KEYFRAME, 7, 5);
        assertEquals(NEXT_KEYFRAME, p);
        assertEquals(8, LagPolicy.dropped(7, p));
    }

    @Test
    @DisplayName("A.2.3 two keyframes inside the soft window (B8 at 2, B6 at 4) -> the most recent, B8 (Part B would pick B6)")
    void resyncKeyframePicksMostRecentKeyframeInWindow()
    {
        final ListQueueView q = ListQueueView.numbered("B", 11, 100, 40 * MS, 2, 6, 8);
        final int p = LagPolicy.recover(q, RESYNC_KEYFRAME, 8, 5);
        assertEquals("B8", q.name(p));
        assertEquals(2, p);
        assertEquals(6, LagPolicy.dropped(8, p));
    }

    @Test
    @DisplayName("A.2.3 the newest buffer is a keyframe -> position 0, bufpos dropped")
    void resyncKeyframeOnNewestBuffer()
    {
        final ListQueueView q = ListQueueView.numbered("B", 11, 100, 40 * MS, 2, 6, 10);
        final int p = LagPolicy.recover(q, RESYNC_KEYFRAME, 6, 5);
        assertEquals(0, p);
        assertEquals(6, LagPolicy.dropped(6, p));
    }

    @Test
    @DisplayName("A.2.3 a keyframe exactly at the soft index is outside the window -> next keyframe")
    void resyncKeyframeAtSoftIndexIsOutsideWindow()
    {
        // keyframe B5 at index 5 = soft index; B2 at 8 also outside
        final ListQueueView q = ListQueueView.numbered("B", 11, 100, 40 * MS, 2, 5);
        assertEquals(NEXT_KEYFRAME, LagPolicy.recover(q, RESYNC_KEYFRAME, 6, 5));
    }

    // ---------------------------------------------------------------------------------------
    // docs/semantics.md §5.2 / §6.1 / §6.3 nuances

    @Test
    @DisplayName("§5.2/Q5 buffersMax in TIME with untimestamped input is len+1 (cannot trigger)")
    void timeLimitOnUntimestampedInputCannotTrigger()
    {
        final ListQueueView q = ListQueueView.numbered("B", 11, 100, -1, 2, 6);
        assertEquals(12, LagPolicy.buffersMax(q, TIME, 150 * MS));
        assertEquals(12, LagPolicy.buffersMax(q, TIME, 0));
        assertFalse(LagPolicy.overHardLimit(10, LagPolicy.buffersMax(q, TIME, 0)), "the oldest position is never over it");
    }

    @Test
    @DisplayName("§5.2 buffersMax in BYTES when the queue holds no more than the limit is len+1; strict > at the exact total")
    void bytesLimitNotReachedIsLenPlusOne()
    {
        final ListQueueView q = elevenBuffers();
        assertEquals(12, LagPolicy.buffersMax(q, BYTES, 1100), "1100 bytes total is not > 1100");
        assertEquals(11, LagPolicy.buffersMax(q, BYTES, 1099));
        assertEquals(1, LagPolicy.buffersMax(q, BYTES, 99), "the newest alone is > 99");
        assertEquals(2, LagPolicy.buffersMax(q, BYTES, 100), "100 is not > 100: strict");
    }

    @Test
    @DisplayName("§5.2 buffersMax in TIME is strict >: a limit of exactly 160 ms gives index 6, not 5")
    void timeLimitIsStrict()
    {
        assertEquals(6, LagPolicy.buffersMax(elevenBuffers(), TIME, 160 * MS));
        assertEquals(5, LagPolicy.buffersMax(elevenBuffers(), TIME, 160 * MS - 1));
    }

    @Test
    @DisplayName("§6.3 units-max <= 0 means no hard limit")
    void noHardLimit()
    {
        assertFalse(LagPolicy.overHardLimit(1000, 0));
        assertFalse(LagPolicy.overHardLimit(1000, -1));
        assertTrue(LagPolicy.overHardLimit(9, 9));
        assertFalse(LagPolicy.overHardLimit(8, 9));
    }

    @Test
    @DisplayName("§6.3 soft == hard with resync-soft-limit: recovery leaves the client at the soft index, which the hard limit kicks")
    void softEqualsHardWithSoftLimitPolicyKicks()
    {
        final ListQueueView q = elevenBuffers();
        final int soft = LagPolicy.buffersMax(q, BUFFERS, 5);
        final int hard = LagPolicy.buffersMax(q, BUFFERS, 5);
        final int p = LagPolicy.recover(q, RESYNC_SOFT_LIMIT, 6, soft);
        assertEquals(5, p);
        assertEquals(1, LagPolicy.dropped(6, p));
        assertTrue(LagPolicy.overHardLimit(p, hard));
    }

    @Test
    @DisplayName("§6.2 resync-soft-limit in bytes: the position reached stays at the soft index while the client is behind")
    void softLimitRepeatsEachBuffer()
    {
        final ListQueueView q = elevenBuffers();
        final int soft = LagPolicy.buffersMax(q, BYTES, 450);
        // a client at the soft index that gets one more buffer drops exactly one
        final int p = LagPolicy.recover(q, RESYNC_SOFT_LIMIT, soft + 1, soft);
        assertEquals(soft, p);
        assertEquals(1, LagPolicy.dropped(soft + 1, p));
    }
}
