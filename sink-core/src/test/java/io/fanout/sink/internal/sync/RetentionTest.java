package io.fanout.sink.internal.sync;

import io.fanout.sink.UnitFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Retention for new clients: semantics Part B docs/semantics.md §4.2 steps 6 to 9 and the §4.5 table, with A.2.2
 * (buffers-min N keeps N buffers; time-min never grows the queue for untimestamped buffers).
 * Every buffer is 100 bytes and there are no clients, as in docs/semantics.md §4.5.
 */
class RetentionTest
{
    private static final long MS = 1_000_000L;

    /**
     * One docs/semantics.md §4.5 configuration. {@code ptsStepNs} &lt; 0 means no timestamps; {@code keyframeEvery}
     * &gt; 0 marks buffers 0, k, 2k, ... as keyframes (others delta), 0 marks every buffer a
     * keyframe, and {@code keepKeyframe} applies the keep-a-keyframe rule (latest-keyframe);
     * {@code softMaxBuffers} is units-soft-max in buffers, -1 for none.
     */
    record Config(long bytesMin, long timeMinNs, long buffersMin, long ptsStepNs, int keyframeEvery, boolean keepKeyframe, long softMaxBuffers)
    {
    }

    /** Pushes {@code count} buffers, trimming after each as docs/semantics.md §4.2 steps 6 to 8, and returns the queue length after each. */
    private static List<Integer> lengthsAfterEachBuffer(final Config c, final int count)
    {
        final ListQueueView q = new ListQueueView(List.of());
        final List<Integer> lengths = new ArrayList<>();
        for (int k = 0; k < count; k++)
        {
            final boolean keyframe = c.keyframeEvery() <= 0 || k % c.keyframeEvery() == 0;
            q.push(new ListQueueView.Buf("B" + k, 100, c.ptsStepNs() < 0 ? ListQueueView.NO_PTS : k * c.ptsStepNs(), keyframe));
            // step 2: the soft limit converted with the queue including the new buffer
            final int softMax = c.softMaxBuffers() > 0 ? LagPolicy.buffersMax(q, UnitFormat.BUFFERS, c.softMaxBuffers()) : -1;
            int keep = Retention.minIndex(q, c.bytesMin(), c.timeMinNs(), c.buffersMin());
            if (c.keepKeyframe())
            {
                keep = Math.max(keep, Retention.keyframeIndex(q, softMax));
            }
            q.trimToIndex(keep);
            lengths.add(q.length());
        }
        return lengths;
    }

    private static List<Integer> list(final int... values)
    {
        return IntStream.of(values).boxed().toList();
    }

    static Stream<Arguments> section45Rows()
    {
        return Stream.of(
            arguments("no minimums, sync-method=latest -> 1, 1, 1, ...",
                new Config(-1, -1, -1, 40 * MS, 1, false, -1), list(1, 1, 1, 1, 1, 1, 1, 1)),
            arguments("buffers-min=5 -> A.2.2: 1, 2, 3, 4, 5, 5, 5, ...",
                new Config(-1, -1, 5, 40 * MS, 1, false, -1), list(1, 2, 3, 4, 5, 5, 5, 5, 5, 5)),
            arguments("bytes-min=450 -> 1, 2, 3, 4, 5, 5, 5, ... (5 buffers = 500 >= 450)",
                new Config(450, -1, -1, 40 * MS, 1, false, -1), list(1, 2, 3, 4, 5, 5, 5, 5, 5)),
            arguments("bytes-min=450 buffers-min=8 -> A.2.2: 1 .. 8, 8, 8, ...",
                new Config(450, -1, 8, 40 * MS, 1, false, -1), list(1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8)),
            arguments("time-min=100ms, timestamps every 40 ms -> 1, 2, 3, 4, 4, 4, ...",
                new Config(-1, 100 * MS, -1, 40 * MS, 1, false, -1), list(1, 2, 3, 4, 4, 4, 4, 4)),
            arguments("time-min=100ms, no timestamps -> A.2.2: 1, 1, 1, ... (never grows)",
                new Config(-1, 100 * MS, -1, -1, 1, false, -1), list(1, 1, 1, 1, 1, 1, 1, 1)),
            arguments("latest-keyframe, keyframe every 4th buffer -> 1, 2, 3, 4, 1, 2, 3, 4, ...",
                new Config(-1, -1, -1, 40 * MS, 4, true, -1), list(1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4)),
            arguments("latest-keyframe, keyframe every 4th buffer, units-soft-max=2 -> 1, 2, 1, 1, 1, 2, 1, 1, ...",
                new Config(-1, -1, -1, 40 * MS, 4, true, 2), list(1, 2, 1, 1, 1, 2, 1, 1, 1, 2, 1, 1)),
            // keyframe only at buffer 0: keyframeEvery larger than the run
            arguments("latest-keyframe, only the very first buffer is a keyframe -> grows (Q4; capacity caps it in the ring, A.2.9)",
                new Config(-1, -1, -1, 40 * MS, 1000, true, -1), list(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)));
    }

    @ParameterizedTest(name = "§4.5 {0}")
    @MethodSource("section45Rows")
    void section45RetentionExamples(final String name, final Config config, final List<Integer> expectedLengths)
    {
        assertEquals(expectedLengths, lengthsAfterEachBuffer(config, expectedLengths.size()));
    }

    @Test
    @DisplayName("A.2.2 time-min with mixed input: untimestamped buffers never extend the kept range beyond the oldest timestamped one")
    void timeMinIgnoresUntimestampedBuffers()
    {
        // oldest -> newest: T0 (0 ms), N1, T2 (80 ms), N3, T4 (160 ms), N5: measured from T4, T2 is
        // only 80 ms old, T0 is 160 ms >= 100 ms old, so keep back to T0 (index 5).
        final ListQueueView q = new ListQueueView(List.of(
            new ListQueueView.Buf("T0", 100, 0, false),
            new ListQueueView.Buf("N1", 100, ListQueueView.NO_PTS, false),
            new ListQueueView.Buf("T2", 100, 80 * MS, false),
            new ListQueueView.Buf("N3", 100, ListQueueView.NO_PTS, false),
            new ListQueueView.Buf("T4", 100, 160 * MS, false),
            new ListQueueView.Buf("N5", 100, ListQueueView.NO_PTS, false)));
        assertEquals(5, Retention.minIndex(q, -1, 100 * MS, -1), "reached at T0, measured from the newest timestamped buffer T4");
        assertEquals(3, Retention.minIndex(q, -1, 80 * MS, -1), "reached at T2 for 80 ms");
        // untimestamped buffers older than every timestamped one are not kept for time-min
        final ListQueueView q2 = new ListQueueView(List.of(
            new ListQueueView.Buf("N0", 100, ListQueueView.NO_PTS, false),
            new ListQueueView.Buf("N1", 100, ListQueueView.NO_PTS, false),
            new ListQueueView.Buf("T2", 100, 80 * MS, false),
            new ListQueueView.Buf("N3", 100, ListQueueView.NO_PTS, false)));
        assertEquals(1, Retention.minIndex(q2, -1, 100 * MS, -1), "kept back to T2 only, never N1 or N0");
    }

    @Test
    @DisplayName("§4.2 step 6: all minimums must be met, the largest index wins")
    void largestMinimumWins()
    {
        final ListQueueView q = ListQueueView.numbered("B", 10, 100, 40 * MS, 2, 6);
        assertEquals(0, Retention.minIndex(q, -1, -1, -1), "nothing set: keep the newest only");
        assertEquals(4, Retention.minIndex(q, 450, -1, -1));
        assertEquals(3, Retention.minIndex(q, -1, 100 * MS, -1));
        assertEquals(7, Retention.minIndex(q, 450, 100 * MS, 8));
        assertEquals(4, Retention.minIndex(q, 450, 100 * MS, 2));
        assertEquals(9, Retention.minIndex(q, -1, -1, 50), "buffers-min beyond the queue keeps everything");
    }

    @Test
    @DisplayName("§4.2 step 7: keyframeIndex is the newest keyframe inside min(len, soft), else 0")
    void keyframeIndexWithinSoftWindow()
    {
        final ListQueueView q = ListQueueView.numbered("B", 10, 100, 40 * MS, 2, 6);
        assertEquals(3, Retention.keyframeIndex(q, -1), "B6K, newest keyframe, no soft limit");
        assertEquals(3, Retention.keyframeIndex(q, 4), "B6K at 3 < 4");
        assertEquals(0, Retention.keyframeIndex(q, 3), "B6K at 3 is not inside a soft window of 3, and B2K is not protected instead");
        assertEquals(0, Retention.keyframeIndex(ListQueueView.numbered("B", 10, 100, 40 * MS), -1), "no keyframe");
    }
}
