package io.fanout.sink.internal.sync;

import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.fanout.sink.SyncMethod.BURST;
import static io.fanout.sink.SyncMethod.BURST_KEYFRAME;
import static io.fanout.sink.SyncMethod.BURST_WITH_KEYFRAME;
import static io.fanout.sink.SyncMethod.LATEST;
import static io.fanout.sink.SyncMethod.LATEST_KEYFRAME;
import static io.fanout.sink.SyncMethod.NEXT_KEYFRAME;
import static io.fanout.sink.UnitFormat.BUFFERS;
import static io.fanout.sink.UnitFormat.BYTES;
import static io.fanout.sink.UnitFormat.TIME;
import static io.fanout.sink.UnitFormat.UNDEFINED;
import static io.fanout.sink.internal.sync.SyncPolicy.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Start positions (semantics Part B docs/semantics.md §5.3 to §5.5, with the burst rules of Part A.2.1).
 */
class SyncPolicyTest
{
    private static final long MS = 1_000_000L;

    /** docs/semantics.md §5.4: B0 (oldest) .. B9 (newest), 100 bytes each, pts k * 40 ms, keyframes B2 and B6. */
    private static ListQueueView tenBuffers()
    {
        return ListQueueView.numbered("B", 10, 100, 40 * MS, 2, 6);
    }

    @Test
    @DisplayName("§5.4 fixture: index 0 = B9 .. index 9 = B0, cumulative bytes and ages as in the spec's index table")
    void tenBufferFixtureMatchesTheSpecIndexTable()
    {
        final ListQueueView q = tenBuffers();
        assertEquals(10, q.length());
        for (int i = 0; i < 10; i++)
        {
            assertEquals("B" + (9 - i), q.name(i));
            assertEquals(100L * (i + 1), q.bytesThrough(i), "cumulative bytes at index " + i);
            assertEquals(40 * MS * i, q.ptsNs(0) - q.ptsNs(i), "age at index " + i);
            assertEquals(i == 3 || i == 7, q.isKeyframe(i), "keyframe flag at index " + i);
        }
    }

    /**
     * Every row of the docs/semantics.md §5.4 table, with A.2.1 applied: the rows "min 1000 bytes", "min 5000 bytes"
     * (B0..B9), "min 4 buffers" (B6..B9), "min 20 buffers" (B0..B9) and "min 250 bytes, max 2
     * buffers" (B9 only) use docs/semantics.md A.2.1's results; every other row is the spec's own.
     * Columns: name, method, bufpos, min format, min value, max format, max value, start, sent first.
     */
    static Stream<Arguments> section54Rows()
    {
        return Stream.of(
            arguments("latest (bufpos 0) -> 0, B9", LATEST, 0, UNDEFINED, -1L, UNDEFINED, -1L, 0, "B9"),
            arguments("latest (bufpos 3, I/O thread late) -> 3, B6..B9", LATEST, 3, UNDEFINED, -1L, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("next-keyframe (bufpos 0) -> wait, B9 forgotten", NEXT_KEYFRAME, 0, UNDEFINED, -1L, UNDEFINED, -1L, WAIT, "none"),
            arguments("next-keyframe (bufpos 5) -> 3, B6..B9", NEXT_KEYFRAME, 5, UNDEFINED, -1L, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("latest-keyframe -> 3, B6..B9", LATEST_KEYFRAME, 0, UNDEFINED, -1L, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("burst, format undefined -> 0, B9", BURST, 0, UNDEFINED, -1L, UNDEFINED, -1L, 0, "B9"),
            arguments("burst, min 250 bytes -> 2, B7..B9", BURST, 0, BYTES, 250L, UNDEFINED, -1L, 2, "B7..B9"),
            arguments("burst, min 250 bytes, max 250 bytes -> 1, B8 B9 (max wins)", BURST, 0, BYTES, 250L, BYTES, 250L, 1, "B8..B9"),
            arguments("burst, min 300 bytes, max 300 bytes -> 1, B8 B9 (max exclusive)", BURST, 0, BYTES, 300L, BYTES, 300L, 1, "B8..B9"),
            arguments("burst, min 250 bytes, max 400 bytes -> 2, B7..B9", BURST, 0, BYTES, 250L, BYTES, 400L, 2, "B7..B9"),
            arguments("burst, min 1000 bytes (reached at the oldest) -> A.2.1: 9, B0..B9", BURST, 0, BYTES, 1000L, UNDEFINED, -1L, 9, "B0..B9"),
            arguments("burst, min 5000 bytes (not enough data) -> A.2.1: 9, B0..B9", BURST, 0, BYTES, 5000L, UNDEFINED, -1L, 9, "B0..B9"),
            arguments("burst, min 100 ms -> 3, B6..B9", BURST, 0, TIME, 100 * MS, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("burst, min 100 ms, max 100 ms -> 2, B7..B9", BURST, 0, TIME, 100 * MS, TIME, 100 * MS, 2, "B7..B9"),
            arguments("burst, min 4 buffers -> A.2.1: 3, B6..B9", BURST, 0, BUFFERS, 4L, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("burst, min 20 buffers (more than queued) -> A.2.1: 9, B0..B9", BURST, 0, BUFFERS, 20L, UNDEFINED, -1L, 9, "B0..B9"),
            arguments("burst, min 250 bytes, max 2 buffers -> A.2.1: 0, B9 only", BURST, 0, BYTES, 250L, BUFFERS, 2L, 0, "B9"),
            arguments("burst-keyframe, min 250 bytes -> 3, B6..B9", BURST_KEYFRAME, 0, BYTES, 250L, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("burst-keyframe, min 250 bytes, max 350 bytes -> wait (B6K at 3 is not < 3)", BURST_KEYFRAME, 0, BYTES, 250L, BYTES, 350L, WAIT, "none"),
            arguments("burst-keyframe, min 250 bytes, max 500 bytes -> 3, B6..B9", BURST_KEYFRAME, 0, BYTES, 250L, BYTES, 500L, 3, "B6..B9"),
            arguments("burst-keyframe, min 450 bytes, max 1000 bytes -> 7, B2..B9", BURST_KEYFRAME, 0, BYTES, 450L, BYTES, 1000L, 7, "B2..B9"),
            arguments("burst-keyframe, min 850 bytes -> 7 (newer-direction fallback), B2..B9", BURST_KEYFRAME, 0, BYTES, 850L, UNDEFINED, -1L, 7, "B2..B9"),
            arguments("burst-keyframe, min 50 bytes, max 100 bytes -> wait", BURST_KEYFRAME, 0, BYTES, 50L, BYTES, 100L, WAIT, "none"),
            arguments("burst-with-keyframe, min 250 bytes -> 3, B6..B9", BURST_WITH_KEYFRAME, 0, BYTES, 250L, UNDEFINED, -1L, 3, "B6..B9"),
            arguments("burst-with-keyframe, min 250 bytes, max 350 bytes -> 2 (min, not on a keyframe), B7..B9", BURST_WITH_KEYFRAME, 0, BYTES, 250L, BYTES, 350L, 2, "B7..B9"),
            arguments("burst-with-keyframe, min 350 bytes, max 350 bytes -> 2 (max - 1), B7..B9", BURST_WITH_KEYFRAME, 0, BYTES, 350L, BYTES, 350L, 2, "B7..B9"),
            arguments("burst-with-keyframe, min 850 bytes -> 8, B1..B9 (not back to B2K)", BURST_WITH_KEYFRAME, 0, BYTES, 850L, UNDEFINED, -1L, 8, "B1..B9"),
            arguments("burst-with-keyframe, min 450 bytes, max 700 bytes -> 4, B5..B9", BURST_WITH_KEYFRAME, 0, BYTES, 450L, BYTES, 700L, 4, "B5..B9"));
    }

    @ParameterizedTest(name = "§5.4 {0}")
    @MethodSource("section54Rows")
    void section54WorkedTable(
        final String name,
        final SyncMethod method,
        final int bufpos,
        final UnitFormat minFormat,
        final long minValue,
        final UnitFormat maxFormat,
        final long maxValue,
        final int expectedStart,
        final String expectedSent)
    {
        final ListQueueView q = tenBuffers();
        final int start = SyncPolicy.startIndex(q, method, bufpos, minFormat, minValue, maxFormat, maxValue);
        assertEquals(expectedStart, start, "start index");
        assertEquals(ListQueueView.expand(expectedSent), q.sentFrom(start), "buffers sent first");
        // the same decision on a view that answers the keyframe searches and byte totals itself
        assertEquals(expectedStart, SyncPolicy.startIndex(new IndexedQueueView(q), method, bufpos, minFormat, minValue, maxFormat, maxValue),
            "start index on the indexed view");
    }

    // ---------------------------------------------------------------------------------------
    // docs/semantics.md §5.5: nine 16-byte buffers (ids 0..8) with bytes-min=100, then buffer 9.

    private static final int[] UPSTREAM_KEYFRAMES = {0, 4, 8};

    private static ListQueueView.Buf upstreamBuf(final int id)
    {
        return ListQueueView.numberedBuf("", id, 16, 40 * MS, UPSTREAM_KEYFRAMES);
    }

    /** Pushes ids 0..8 one at a time, trimming after each to Retention.minIndex with bytes-min 100 (no clients). */
    private static ListQueueView upstreamBeforeBuffer9()
    {
        final ListQueueView q = new ListQueueView(List.of());
        for (int id = 0; id <= 8; id++)
        {
            q.push(upstreamBuf(id));
            q.trimToIndex(Retention.minIndex(q, 100, -1, -1));
        }
        return q;
    }

    @Test
    @DisplayName("§5.5 nine 16-byte buffers with bytes-min=100 leave 7 queued (ids 2..8); minIndex of all nine is 6")
    void upstreamRetentionKeepsSeven()
    {
        final ListQueueView all = new ListQueueView(List.of());
        for (int id = 0; id <= 8; id++)
        {
            all.push(upstreamBuf(id));
        }
        assertEquals(6, Retention.minIndex(all, 100, -1, -1), "112 bytes (7 buffers) is the first total >= 100");

        final ListQueueView q = upstreamBeforeBuffer9();
        assertEquals(7, q.length(), "buffers-queued");
        assertEquals(List.of("2", "3", "4", "5", "6", "7", "8"), q.namesOldestFirst());
    }

    /** The view when buffer 9 is queued: ids 2..9 (8 buffers), before the trim of that update. */
    private static ListQueueView upstreamAtBuffer9()
    {
        final ListQueueView q = upstreamBeforeBuffer9();
        q.push(upstreamBuf(9));
        return q;
    }

    /** Columns: name, method, min bytes, max bytes (-1 none), expected ids sent first. */
    static Stream<Arguments> section55Rows()
    {
        return Stream.of(
            arguments("burst, client 1 (add: min 80 bytes) -> ids 5-9", BURST, 80L, -1L, "5..9"),
            arguments("burst, client 2 (min 50, max 200 bytes) -> ids 6-9", BURST, 50L, 200L, "6..9"),
            arguments("burst, client 3 (min 50, max 50 bytes) -> ids 7-9", BURST, 50L, 50L, "7..9"),
            arguments("burst-keyframe, client 1 (add: min 80 bytes) -> ids 4-9", BURST_KEYFRAME, 80L, -1L, "4..9"),
            arguments("burst-keyframe, client 2 (min 50, max 90 bytes) -> ids 8-9 (newer-direction fallback)", BURST_KEYFRAME, 50L, 90L, "8..9"),
            arguments("burst-keyframe, client 3 (min 50, max 50 bytes) -> ids 8-9", BURST_KEYFRAME, 50L, 50L, "8..9"),
            arguments("burst-with-keyframe, client 1 (add: min 80 bytes) -> ids 4-9", BURST_WITH_KEYFRAME, 80L, -1L, "4..9"),
            arguments("burst-with-keyframe, client 2 (min 50, max 90 bytes) -> ids 6-9 (min)", BURST_WITH_KEYFRAME, 50L, 90L, "6..9"),
            arguments("burst-with-keyframe, client 3 (min 50, max 50 bytes) -> ids 7-9 (max - 1)", BURST_WITH_KEYFRAME, 50L, 50L, "7..9"));
    }

    @ParameterizedTest(name = "§5.5 view ids 2..9: {0}")
    @MethodSource("section55Rows")
    void section55UpstreamScenarios(final String name, final SyncMethod method, final long minBytes, final long maxBytes, final String expectedIds)
    {
        final ListQueueView q = upstreamAtBuffer9();
        assertEquals(List.of("2", "3", "4", "5", "6", "7", "8", "9"), q.namesOldestFirst(), "view when buffer 9 is queued");
        final int start = SyncPolicy.startIndex(q, method, 0, BYTES, minBytes, maxBytes < 0 ? UNDEFINED : BYTES, maxBytes);
        assertTrue(start >= 0, "a start position, not a wait: " + start);
        assertEquals(ListQueueView.expand(expectedIds), q.sentFrom(start), "ids sent first");
    }

    /**
     * docs/semantics.md A.1 says "the queue as it stood when that buffer was queued" (ids 2..9), §5.1 says after the
     * trim of that update (bytes-min 100 trims it to ids 3..9). The docs/semantics.md §5.5 results must not depend on
     * which: check the trimmed view gives the same ids.
     */
    @ParameterizedTest(name = "§5.5 view after the trim (ids 3..9): {0}")
    @MethodSource("section55Rows")
    void section55UpstreamScenariosAfterTrim(final String name, final SyncMethod method, final long minBytes, final long maxBytes, final String expectedIds)
    {
        final ListQueueView q = upstreamAtBuffer9();
        q.trimToIndex(Retention.minIndex(q, 100, -1, -1));
        assertEquals(List.of("3", "4", "5", "6", "7", "8", "9"), q.namesOldestFirst(), "view after the trim of buffer 9's update");
        final int start = SyncPolicy.startIndex(q, method, 0, BYTES, minBytes, maxBytes < 0 ? UNDEFINED : BYTES, maxBytes);
        assertEquals(ListQueueView.expand(expectedIds), q.sentFrom(start), "ids sent first");
    }

    /**
     * docs/semantics.md §5.5's other next-keyframe scenario: a client added before a keyframe followed by a delta
     * buffer reads both, whether positioned when the keyframe arrives (bufpos 0) or only after the
     * delta buffer (bufpos 1, the I/O thread late).
     */
    @Test
    @DisplayName("§5.5 next-keyframe: client added before a keyframe then a delta buffer reads both")
    void nextKeyframeReadsKeyframeAndFollowingDelta()
    {
        // X0, X1 queued before the add (delta), then K2 (keyframe), then D3 (delta)
        final ListQueueView q = new ListQueueView(List.of(
            new ListQueueView.Buf("X0", 10, 0, false),
            new ListQueueView.Buf("X1", 10, 40 * MS, false)));
        q.push(new ListQueueView.Buf("K2", 10, 80 * MS, true));
        final int atKeyframe = SyncPolicy.startIndex(q, NEXT_KEYFRAME, 0, UNDEFINED, -1, UNDEFINED, -1);
        assertEquals(0, atKeyframe, "positioned on the keyframe when it arrives");
        q.push(new ListQueueView.Buf("D3", 10, 120 * MS, false));
        // positioned on K2, the client is sent K2 and then D3 as it arrives
        assertEquals(List.of("K2", "D3"), q.sentFrom(atKeyframe + 1));

        final int late = SyncPolicy.startIndex(q, NEXT_KEYFRAME, 1, UNDEFINED, -1, UNDEFINED, -1);
        assertEquals(List.of("K2", "D3"), q.sentFrom(late), "positioned only after the delta buffer");
    }

    /** docs/semantics.md §5.3 latest-keyframe / burst-keyframe: no keyframe at all in the view means wait. */
    @Test
    @DisplayName("§5.3 latest-keyframe and burst-keyframe wait when the view holds no keyframe; burst-with-keyframe never waits")
    void keyframeMethodsWaitWithoutKeyframe()
    {
        final ListQueueView q = ListQueueView.numbered("B", 10, 100, 40 * MS);
        assertEquals(WAIT, SyncPolicy.startIndex(q, LATEST_KEYFRAME, 0, UNDEFINED, -1, UNDEFINED, -1));
        assertEquals(WAIT, SyncPolicy.startIndex(q, BURST_KEYFRAME, 0, BYTES, 250, UNDEFINED, -1));
        assertEquals(WAIT, SyncPolicy.startIndex(q, NEXT_KEYFRAME, 9, UNDEFINED, -1, UNDEFINED, -1));
        assertEquals(2, SyncPolicy.startIndex(q, BURST_WITH_KEYFRAME, 0, BYTES, 250, UNDEFINED, -1), "as burst: min 250 bytes is index 2");
    }
}
