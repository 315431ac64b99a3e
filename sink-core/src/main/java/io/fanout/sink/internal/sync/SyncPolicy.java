package io.fanout.sink.internal.sync;

import io.fanout.sink.ClientSync;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;

/**
 * Where a new client starts: multihandlesink's start position per sync method (docs/semantics.md §5.3),
 * with the burst rules of docs/semantics.md A.2.1. Evaluated on the queue as it stood when the first buffer after
 * the client's add was queued (docs/semantics.md A.1), so {@code bufpos} is normally 0.
 */
public final class SyncPolicy
{
    /**
     * The client waits for the next keyframe newer than everything in the view (the reference's
     * {@code bufpos = -1}; a latest-keyframe or burst-keyframe client becomes next-keyframe).
     */
    public static final int WAIT = -1;

    private SyncPolicy()
    {
    }

    /**
     * @param q         the retained queue, index 0 newest; length &gt;= 1.
     * @param method    the client's sync method.
     * @param bufpos    index of the oldest buffer the client may receive (0: just the newest).
     * @param minFormat unit of the burst minimum (UNDEFINED: none).
     * @param minValue  burst minimum.
     * @param maxFormat unit of the burst maximum (UNDEFINED: none).
     * @param maxValue  burst maximum, -1 for none.
     * @return the index to start at, or {@link #WAIT}.
     */
    public static int startIndex(
        final QueueView q,
        final SyncMethod method,
        final int bufpos,
        final UnitFormat minFormat,
        final long minValue,
        final UnitFormat maxFormat,
        final long maxValue)
    {
        switch (method)
        {
            case LATEST:
                return bufpos;
            case NEXT_KEYFRAME:
                return orWait(q.keyframeAtOrNewer(bufpos));
            case LATEST_KEYFRAME:
                return orWait(q.keyframeAtOrOlder(0));
            case BURST:
                return burst(BurstLimits.minIndex(q, minFormat, minValue), BurstLimits.maxIndex(q, maxFormat, maxValue));
            case BURST_KEYFRAME:
            {
                final int minIdx = BurstLimits.minIndex(q, minFormat, minValue);
                final int maxIdx = BurstLimits.maxIndex(q, maxFormat, maxValue);
                final int older = q.keyframeAtOrOlder(minIdx);
                if (older != QueueView.NONE && older < maxIdx)
                {
                    return older;
                }
                return orWait(q.keyframeAtOrNewer(minIdx));
            }
            case BURST_WITH_KEYFRAME:
            {
                final int minIdx = BurstLimits.minIndex(q, minFormat, minValue);
                final int maxIdx = BurstLimits.maxIndex(q, maxFormat, maxValue);
                final int older = q.keyframeAtOrOlder(minIdx);
                if (older != QueueView.NONE && older < maxIdx)
                {
                    return older;
                }
                return burst(minIdx, maxIdx);
            }
            default:
                throw new IllegalArgumentException("sync method " + method);
        }
    }

    /**
     * {@link #startIndex(QueueView, SyncMethod, int, UnitFormat, long, UnitFormat, long)} for a
     * client's sync method and burst as one value.
     *
     * @param q      the retained queue, index 0 newest, length at least 1.
     * @param sync   the client's sync method and burst.
     * @param bufpos index of the oldest buffer the client may receive (0: just the newest).
     * @return the index to start at, or {@link #WAIT}.
     */
    public static int startIndex(final QueueView q, final ClientSync sync, final int bufpos)
    {
        return startIndex(q, sync.syncMethod(), bufpos, sync.minFormat(), sync.minValue(), sync.maxFormat(),
            sync.maxValue());
    }

    /** docs/semantics.md A.2.1 burst: minIdx if it is under maxIdx, else the buffer just newer than maxIdx. */
    static int burst(final int minIdx, final int maxIdx)
    {
        return minIdx < maxIdx ? minIdx : Math.max(maxIdx - 1, 0);
    }

    private static int orWait(final int index)
    {
        return index == QueueView.NONE ? WAIT : index;
    }
}
