package io.fanout.sink.internal.sync;

import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.UnitFormat;

/**
 * Lag limits and recovery (docs/semantics.md §6 with A.2.3). A client's lag is its {@code bufpos}: the
 * index of the next buffer it will take (so {@code bufpos + 1} whole buffers are pending).
 */
public final class LagPolicy
{
    /** Recovery result: skip everything and wait for the next buffer, keyframe or not (resync-latest). */
    public static final int NEXT_BUFFER = -1;
    /** Recovery result: skip everything and wait for the next keyframe (docs/semantics.md A.2.3 fallback). */
    public static final int NEXT_KEYFRAME = -2;

    private LagPolicy()
    {
    }

    /**
     * get_buffers_max (docs/semantics.md §5.2): a limit in {@code format} units as a buffer index, with the
     * reference's strict "&gt;". A limit of 2^31 or more is capped rather than truncated (the
     * reference's 32-bit truncation, which disables the limit, is not copied).
     *
     * @param q      the retained queue.
     * @param format BYTES, TIME, or anything else for buffers.
     * @param limit  the limit, &gt; 0.
     * @return the index at which a client is over the limit; {@code length() + 1} when the queue
     * cannot reach it.
     */
    public static int buffersMax(final QueueView q, final UnitFormat format, final long limit)
    {
        final int length = q.length();
        switch (format)
        {
            case BYTES:
                // the reference's strict "&gt;": the first index whose total exceeds the limit
                return limit == Long.MAX_VALUE ? length + 1 : afterIndex(q.firstIndexWithBytes(limit + 1), length);
            case TIME:
                return limit == Long.MAX_VALUE ? length + 1 : afterIndex(q.firstIndexWithAge(limit + 1), length);
            default:
                return (int)Math.min(limit, Integer.MAX_VALUE);
        }
    }

    /** @return one past {@code index}, or {@code length + 1} ("cannot trigger") for none. */
    private static int afterIndex(final int index, final int length)
    {
        return index == QueueView.NONE ? length + 1 : index + 1;
    }

    /**
     * Where a client over the soft limit moves (docs/semantics.md §6.2, A.2.3). Call only when
     * {@code bufpos >= softMaxBuffers}.
     *
     * @param q              the retained queue.
     * @param policy         the recover policy.
     * @param bufpos         the client's position.
     * @param softMaxBuffers the soft limit as an index ({@link #buffersMax}).
     * @return the new position (&gt;= 0), {@link #NEXT_BUFFER} or {@link #NEXT_KEYFRAME}.
     */
    public static int recover(final QueueView q, final RecoverPolicy policy, final int bufpos, final int softMaxBuffers)
    {
        switch (policy)
        {
            case NONE:
                return bufpos;
            case RESYNC_LATEST:
                return NEXT_BUFFER;
            case RESYNC_SOFT_LIMIT:
                return Math.min(softMaxBuffers, bufpos);
            case RESYNC_KEYFRAME:
            {
                // docs/semantics.md A.2.3: the most recent keyframe of the retained queue, if inside the soft window
                final int newest = q.keyframeAtOrOlder(0);
                return newest != QueueView.NONE && newest < softMaxBuffers && newest <= bufpos ? newest : NEXT_KEYFRAME;
            }
            default:
                throw new IllegalArgumentException("recover policy " + policy);
        }
    }

    /**
     * @param bufpos   the client's position before recovery.
     * @param position the result of {@link #recover}.
     * @return buffers skipped (counted in buffers-dropped).
     */
    public static long dropped(final int bufpos, final int position)
    {
        return position >= 0 ? bufpos - position : bufpos + 1L;
    }

    /**
     * @param bufpos     the client's position after recovery.
     * @param maxBuffers the hard limit as an index, or &lt;= 0 for none.
     * @return true when the client is over the hard limit and is removed SLOW (docs/semantics.md §6.3).
     */
    public static boolean overHardLimit(final int bufpos, final int maxBuffers)
    {
        return maxBuffers > 0 && bufpos >= maxBuffers;
    }
}
