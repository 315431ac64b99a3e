package io.fanout.sink.internal.sync;

import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;

import static io.fanout.sink.SyncMethod.BURST;
import static io.fanout.sink.SyncMethod.BURST_KEYFRAME;
import static io.fanout.sink.SyncMethod.BURST_WITH_KEYFRAME;
import static io.fanout.sink.SyncMethod.LATEST_KEYFRAME;
import static io.fanout.sink.SyncMethod.NEXT_KEYFRAME;
import static io.fanout.sink.internal.sync.SyncPolicy.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property checks of the start positions over many seeded random queues (docs/semantics.md A.2.1, §5.3). The
 * expectations come from extents computed here, independently of {@link BurstLimits}:
 * extent(i) is what buffers 0..i hold: i+1 buffers, their byte total, or (time) the age of the
 * oldest timestamped buffer among 0..i relative to the newest timestamped one, which does not
 * exist (so never reaches anything) while 0..i holds no timestamped buffer.
 */
class BurstPropertiesTest
{
    private static final long SEED = 0x5EED_2024_0611L;
    private static final int QUEUES = 2_000;
    private static final int LIMITS_PER_QUEUE = 4;
    private static final long MS = 1_000_000L;
    private static final UnitFormat[] FORMATS = UnitFormat.values();

    /** One generated decision: a queue, burst limits in random units, and a bufpos for next-keyframe. */
    record Case(int id, ListQueueView q, UnitFormat minFormat, long minValue, UnitFormat maxFormat, long maxValue, int bufpos)
    {
        int start(final SyncMethod method)
        {
            return SyncPolicy.startIndex(q, method, bufposFor(method), minFormat, minValue, maxFormat, maxValue);
        }

        /** bufpos matters to latest and next-keyframe; the burst methods are evaluated as docs/semantics.md A.1 has them, at bufpos 0. */
        int bufposFor(final SyncMethod method)
        {
            return method == NEXT_KEYFRAME || method == SyncMethod.LATEST ? bufpos : 0;
        }

        String describe()
        {
            return "case " + id + " (seed " + SEED + "): min " + minFormat + " " + minValue + ", max " + maxFormat + " " + maxValue
                + ", bufpos " + bufpos + ", len " + q.length() + ", " + q;
        }
    }

    private static final List<Case> CASES = generate();

    private static List<Case> generate()
    {
        final Random r = new Random(SEED);
        final List<Case> cases = new ArrayList<>();
        for (int n = 0; n < QUEUES; n++)
        {
            final ListQueueView q = randomQueue(r);
            for (int k = 0; k < LIMITS_PER_QUEUE; k++)
            {
                final UnitFormat minFormat = FORMATS[r.nextInt(FORMATS.length)];
                final UnitFormat maxFormat = FORMATS[r.nextInt(FORMATS.length)];
                cases.add(new Case(cases.size(), q, minFormat, randomValue(r, q, minFormat), maxFormat, randomValue(r, q, maxFormat), r.nextInt(q.length())));
            }
        }
        return Collections.unmodifiableList(cases);
    }

    /** 1..60 buffers of 1..2000 bytes; pts steps of 0..80 ms, now and then backwards; some or all pts missing; random keyframe density. */
    private static ListQueueView randomQueue(final Random r)
    {
        final int len = 1 + r.nextInt(60);
        final double missing = new double[] {0, 0, 0.1, 0.5, 1.0}[r.nextInt(5)];
        final double keyframes = new double[] {0, 0.05, 0.2, 0.5, 1.0}[r.nextInt(5)];
        final boolean backwards = r.nextInt(8) == 0;
        long pts = r.nextInt(1000) * MS;
        final List<ListQueueView.Buf> bufs = new ArrayList<>();
        for (int k = 0; k < len; k++)
        {
            if (backwards && r.nextInt(5) == 0)
            {
                pts = Math.max(0, pts - r.nextInt(60) * MS);
            }
            else
            {
                pts += r.nextInt(81) * MS;
            }
            bufs.add(new ListQueueView.Buf("B" + k, 1 + r.nextInt(2000), r.nextDouble() < missing ? ListQueueView.NO_PTS : pts,
                r.nextDouble() < keyframes));
        }
        return new ListQueueView(bufs);
    }

    /** A value in the unit, mostly within reach of the queue, sometimes beyond it, 0, or -1 (unset). */
    private static long randomValue(final Random r, final ListQueueView q, final UnitFormat format)
    {
        if (r.nextInt(20) == 0)
        {
            return -1;
        }
        final long total = switch (format)
        {
            case BUFFERS -> q.length();
            case BYTES -> totalBytes(q);
            case TIME -> Math.max(span(q), 100 * MS);
            case UNDEFINED -> 5_000; // a value with UNDEFINED must be ignored
        };
        return r.nextInt(20) == 0 ? 0 : (long)(r.nextDouble() * total * 1.25);
    }

    private static long totalBytes(final ListQueueView q)
    {
        long total = 0;
        for (int i = 0; i < q.length(); i++)
        {
            total += q.size(i);
        }
        return total;
    }

    private static long span(final ListQueueView q)
    {
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (int i = 0; i < q.length(); i++)
        {
            if (q.ptsNs(i) >= 0)
            {
                lo = Math.min(lo, q.ptsNs(i));
                hi = Math.max(hi, q.ptsNs(i));
            }
        }
        return hi >= lo ? hi - lo : 0;
    }

    // ---------------------------------------------------------------------------------------
    // the oracle: docs/semantics.md A.2.1 computed from scratch

    static boolean isSet(final UnitFormat format, final long value)
    {
        return format != UnitFormat.UNDEFINED && value >= 0;
    }

    /** extent(i) of docs/semantics.md A.2.1, empty in TIME when buffers 0..i hold no timestamped buffer. */
    static OptionalLong extent(final QueueView q, final UnitFormat format, final int i)
    {
        switch (format)
        {
            case BUFFERS:
                return OptionalLong.of(i + 1L);
            case BYTES:
            {
                long total = 0;
                for (int j = 0; j <= i; j++)
                {
                    total += q.size(j);
                }
                return OptionalLong.of(total);
            }
            case TIME:
            {
                long newest = -1;
                long oldest = -1;
                for (int j = 0; j <= i; j++)
                {
                    final long pts = q.ptsNs(j);
                    if (pts >= 0)
                    {
                        if (newest < 0)
                        {
                            newest = pts;
                        }
                        oldest = pts;
                    }
                }
                return newest < 0 ? OptionalLong.empty() : OptionalLong.of(newest - oldest);
            }
            default:
                throw new IllegalArgumentException(String.valueOf(format));
        }
    }

    /** Whether the tail 0..i holds at least {@code value} (a set limit). */
    static boolean reaches(final QueueView q, final UnitFormat format, final long value, final int i)
    {
        if (!isSet(format, value))
        {
            return false;
        }
        final OptionalLong e = extent(q, format, i);
        return e.isPresent() && e.getAsLong() >= value;
    }

    private static int firstReaching(final QueueView q, final UnitFormat format, final long value)
    {
        for (int i = 0; i < q.length(); i++)
        {
            if (reaches(q, format, value, i))
            {
                return i;
            }
        }
        return -1;
    }

    static int oracleMinIdx(final Case c)
    {
        if (!isSet(c.minFormat(), c.minValue()))
        {
            return 0;
        }
        final int i = firstReaching(c.q(), c.minFormat(), c.minValue());
        return i < 0 ? c.q().length() - 1 : i;
    }

    static int oracleMaxIdx(final Case c)
    {
        final int i = isSet(c.maxFormat(), c.maxValue()) ? firstReaching(c.q(), c.maxFormat(), c.maxValue()) : -1;
        return i < 0 ? c.q().length() : i;
    }

    private static int oracleBurst(final int minIdx, final int maxIdx)
    {
        return minIdx < maxIdx ? minIdx : Math.max(maxIdx - 1, 0);
    }

    /** First keyframe at index &gt;= from (towards older), by a plain scan, or -1. */
    private static int keyframeOlder(final QueueView q, final int from)
    {
        for (int i = from; i < q.length(); i++)
        {
            if (q.isKeyframe(i))
            {
                return i;
            }
        }
        return -1;
    }

    /** Largest keyframe index &lt;= from (the first met going towards newer), or -1. */
    private static int keyframeNewer(final QueueView q, final int from)
    {
        for (int i = Math.min(from, q.length() - 1); i >= 0; i--)
        {
            if (q.isKeyframe(i))
            {
                return i;
            }
        }
        return -1;
    }

    static int oracleStart(final Case c, final SyncMethod method)
    {
        final QueueView q = c.q();
        final int minIdx = oracleMinIdx(c);
        final int maxIdx = oracleMaxIdx(c);
        switch (method)
        {
            case BURST:
                return oracleBurst(minIdx, maxIdx);
            case BURST_WITH_KEYFRAME:
            {
                final int older = keyframeOlder(q, minIdx);
                return older >= 0 && older < maxIdx ? older : oracleBurst(minIdx, maxIdx);
            }
            case BURST_KEYFRAME:
            {
                final int older = keyframeOlder(q, minIdx);
                if (older >= 0 && older < maxIdx)
                {
                    return older;
                }
                final int newer = keyframeNewer(q, minIdx);
                return newer >= 0 ? newer : WAIT;
            }
            case LATEST_KEYFRAME:
            {
                final int newest = keyframeOlder(q, 0);
                return newest >= 0 ? newest : WAIT;
            }
            case NEXT_KEYFRAME:
            {
                final int k = keyframeNewer(q, c.bufpos());
                return k >= 0 ? k : WAIT;
            }
            case LATEST:
                return c.bufpos();
            default:
                throw new IllegalArgumentException(String.valueOf(method));
        }
    }

    private static void check(final boolean condition, final Case c, final String what)
    {
        if (!condition)
        {
            fail(what + " -- " + c.describe());
        }
    }

    // ---------------------------------------------------------------------------------------
    // properties

    /**
     * burst and burst-with-keyframe: the start is in [0, len-1]; when a maximum is set and the
     * queue reaches it, the burst (buffers start..0) holds strictly less than the maximum, with
     * the one exception docs/semantics.md A.2.1 allows: start max(maxIdx - 1, 0) = 0 when the newest buffer alone
     * reaches the maximum (maxIdx = 0). For burst, the burst is moreover the shortest tail
     * holding at least the minimum whenever it holds the minimum at all.
     */
    @ParameterizedTest(name = "{0}: start in [0, len-1], strictly under a reached max unless only the newest buffer")
    @EnumSource(value = SyncMethod.class, names = {"BURST", "BURST_WITH_KEYFRAME"})
    void burstStaysInQueueAndUnderMax(final SyncMethod method)
    {
        int maxReachedAndBinding = 0;
        int newestAloneOverMax = 0;
        for (final Case c : CASES)
        {
            final ListQueueView q = c.q();
            final int start = c.start(method);
            check(start >= 0 && start <= q.length() - 1, c, method + " start " + start + " outside [0, len-1]");
            final boolean maxReached = isSet(c.maxFormat(), c.maxValue()) && firstReaching(q, c.maxFormat(), c.maxValue()) >= 0;
            if (maxReached)
            {
                final boolean burstReachesMax = reaches(q, c.maxFormat(), c.maxValue(), start);
                check(!burstReachesMax || start == 0 && reaches(q, c.maxFormat(), c.maxValue(), 0), c,
                    method + " start " + start + ": burst reaches the maximum though more than the newest buffer");
                if (start > 0 && reaches(q, c.maxFormat(), c.maxValue(), start + 1))
                {
                    maxReachedAndBinding++;
                }
                if (burstReachesMax)
                {
                    newestAloneOverMax++;
                }
            }
            if (method == BURST && isSet(c.minFormat(), c.minValue()) && start > 0 && reaches(q, c.minFormat(), c.minValue(), start))
            {
                check(!reaches(q, c.minFormat(), c.minValue(), start - 1), c, "burst start " + start + " is not the shortest tail holding the minimum");
            }
        }
        assertTrue(maxReachedAndBinding > 100, "the generator rarely makes the maximum bind: " + maxReachedAndBinding);
        assertTrue(newestAloneOverMax > 0, "the generator never makes the newest buffer alone reach the maximum");
    }

    @ParameterizedTest(name = "{0}: a non-WAIT start is a keyframe index")
    @EnumSource(value = SyncMethod.class, names = {"BURST_KEYFRAME", "LATEST_KEYFRAME"})
    void keyframeMethodsStartOnKeyframes(final SyncMethod method)
    {
        int started = 0;
        int waited = 0;
        for (final Case c : CASES)
        {
            final int start = c.start(method);
            if (start == WAIT)
            {
                waited++;
                continue;
            }
            started++;
            check(start >= 0 && start < c.q().length(), c, method + " start " + start + " outside the queue");
            check(c.q().isKeyframe(start), c, method + " start " + start + " is not a keyframe");
        }
        assertTrue(started > 1000 && waited > 100, "generator coverage: started " + started + ", waited " + waited);
    }

    @Test
    @DisplayName("latest-keyframe: the newest keyframe of the view; WAIT exactly when the view holds none")
    void latestKeyframeIsNewestKeyframe()
    {
        for (final Case c : CASES)
        {
            final int start = c.start(LATEST_KEYFRAME);
            boolean any = false;
            for (int i = 0; i < c.q().length(); i++)
            {
                any |= c.q().isKeyframe(i);
                if (i < start)
                {
                    check(!c.q().isKeyframe(i), c, "keyframe at " + i + " is newer than the start " + start);
                }
            }
            check(any == (start != WAIT), c, "WAIT iff no keyframe, got " + start);
        }
    }

    @Test
    @DisplayName("next-keyframe: a non-WAIT start is the oldest keyframe at or newer than bufpos; WAIT exactly when none")
    void nextKeyframeIsOldestKeyframeAtOrNewerThanBufpos()
    {
        int started = 0;
        for (final Case c : CASES)
        {
            final int start = c.start(NEXT_KEYFRAME);
            if (start == WAIT)
            {
                for (int i = 0; i <= c.bufpos(); i++)
                {
                    check(!c.q().isKeyframe(i), c, "WAIT although index " + i + " <= bufpos is a keyframe");
                }
                continue;
            }
            started++;
            check(start <= c.bufpos(), c, "start " + start + " is older than bufpos");
            check(c.q().isKeyframe(start), c, "start " + start + " is not a keyframe");
            for (int i = start + 1; i <= c.bufpos(); i++)
            {
                check(!c.q().isKeyframe(i), c, "keyframe at " + i + " is older than the start " + start + " yet at or newer than bufpos");
            }
        }
        assertTrue(started > 1000, "generator coverage: started " + started);
    }

    /** The whole of docs/semantics.md A.2.1 / §5.3 from the independent oracle, for every method. */
    @ParameterizedTest(name = "{0}: start equals the A.2.1 rule over independently computed extents")
    @EnumSource(value = SyncMethod.class)
    void startMatchesIndependentOracle(final SyncMethod method)
    {
        for (final Case c : CASES)
        {
            check(oracleStart(c, method) == c.start(method), c, method + ": expected " + oracleStart(c, method) + ", got " + c.start(method));
        }
    }

    @Test
    @DisplayName("BurstLimits.minIndex / maxIndex equal minIdx / maxIdx from independently computed extents")
    void burstLimitsMatchOracle()
    {
        for (final Case c : CASES)
        {
            assertEquals(oracleMinIdx(c), BurstLimits.minIndex(c.q(), c.minFormat(), c.minValue()), c::describe);
            assertEquals(oracleMaxIdx(c), BurstLimits.maxIndex(c.q(), c.maxFormat(), c.maxValue()), c::describe);
        }
    }

    @ParameterizedTest(name = "{0}: same start on a view with its own byte totals and keyframe links")
    @EnumSource(value = SyncMethod.class)
    void decisionsDoNotDependOnTheViewImplementation(final SyncMethod method)
    {
        for (final Case c : CASES)
        {
            final QueueView indexed = new IndexedQueueView(c.q());
            check(SyncPolicy.startIndex(indexed, method, c.bufposFor(method), c.minFormat(), c.minValue(), c.maxFormat(), c.maxValue()) == c.start(method), c,
                method + " differs on the indexed view");
        }
    }
}
