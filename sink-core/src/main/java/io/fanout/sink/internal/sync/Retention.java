package io.fanout.sink.internal.sync;

/**
 * How much of the queue is kept for new clients (docs/semantics.md §4.3 with A.2.2 and A.2.12), apart from
 * what connected clients still need. Every result is an index: keep buffers 0 .. index.
 */
public final class Retention
{
    private Retention()
    {
    }

    /**
     * Minimum retention (bytes-min, time-min, buffers-min); all that are set must be met, so the
     * result is the largest of their indices.
     * <ul>
     * <li>buffers-min N keeps N buffers (docs/semantics.md A.2.2, fixing Q1): index N-1, at most the oldest.</li>
     * <li>bytes-min: the first index whose byte total reaches it; everything while it is not
     * reached.</li>
     * <li>time-min: the first timestamped buffer at least that much older than the newest
     * timestamped one; while not reached, back to the oldest timestamped buffer; buffers without
     * a timestamp never grow the queue (docs/semantics.md A.2.2, fixing Q3).</li>
     * </ul>
     *
     * @param q          the queue.
     * @param bytesMin   bytes, -1 for none.
     * @param timeMinNs  ns, -1 for none.
     * @param buffersMin buffers, -1 for none.
     * @return the index to keep back to, 0 when nothing is set.
     */
    public static int minIndex(final QueueView q, final long bytesMin, final long timeMinNs, final long buffersMin)
    {
        final int last = q.length() - 1;
        int index = 0;
        if (buffersMin > 0)
        {
            index = (int)Math.min(buffersMin - 1, last);
        }
        if (bytesMin >= 0)
        {
            final int reached = q.firstIndexWithBytes(bytesMin);
            index = Math.max(index, reached == QueueView.NONE ? last : reached);
        }
        if (timeMinNs >= 0)
        {
            index = Math.max(index, timeIndex(q, timeMinNs));
        }
        return index;
    }

    /**
     * The keep-a-keyframe rule (docs/semantics.md §4.2 step 7, A.2.12): the newest keyframe within the soft window is
     * kept when the default sync method or any connected client uses latest-keyframe or
     * burst-keyframe.
     *
     * @param q              the queue.
     * @param softMaxBuffers the soft limit as an index, or &lt;= 0 for none.
     * @return the newest keyframe's index within {@code min(length, softMaxBuffers)}, or 0.
     */
    public static int keyframeIndex(final QueueView q, final int softMaxBuffers)
    {
        final int limit = softMaxBuffers > 0 ? Math.min(q.length(), softMaxBuffers) : q.length();
        final int newest = q.keyframeAtOrOlder(0);
        return newest != QueueView.NONE && newest < limit ? newest : 0;
    }

    private static int timeIndex(final QueueView q, final long timeMinNs)
    {
        long first = -1;
        int oldestTimestamped = 0;
        for (int i = 0; i < q.length(); i++)
        {
            final long pts = q.ptsNs(i);
            if (pts < 0)
            {
                continue;
            }
            if (first < 0)
            {
                first = pts;
            }
            oldestTimestamped = i;
            if (first - pts >= timeMinNs)
            {
                return i;
            }
        }
        return oldestTimestamped;
    }
}
