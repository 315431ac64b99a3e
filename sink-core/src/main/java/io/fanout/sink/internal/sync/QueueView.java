package io.fanout.sink.internal.sync;

/**
 * A read-only view of the retained queue, indexed as in multihandlesink: index 0 is the newest
 * buffer, {@code length() - 1} the oldest. The default keyframe searches scan; a ring-backed view
 * answers them in O(1) per keyframe with its per-slot links.
 */
public interface QueueView
{
    /** Returned by the keyframe searches when there is none. */
    int NONE = -1;

    /** @return buffers in the view, &gt;= 1 whenever a decision is made. */
    int length();

    /** @param index 0 .. length-1. @return the buffer's size in bytes. */
    int size(int index);

    /** @param index 0 .. length-1. @return the buffer's pts in ns, or -1 when it has none. */
    long ptsNs(int index);

    /** @param index 0 .. length-1. @return true when the buffer is a keyframe (no DELTA_UNIT flag). */
    boolean isKeyframe(int index);

    /**
     * @param index 0 .. length-1.
     * @return the bytes of buffers 0 .. index.
     */
    default long bytesThrough(final int index)
    {
        long total = 0;
        for (int i = 0; i <= index; i++)
        {
            total += size(i);
        }
        return total;
    }

    /**
     * @param bytes a byte total.
     * @return the first index whose {@link #bytesThrough} is at least {@code bytes}, or {@link #NONE}
     * (a binary search: the totals only grow with the index).
     */
    default int firstIndexWithBytes(final long bytes)
    {
        int lo = 0;
        int hi = length() - 1;
        if (bytesThrough(hi) < bytes)
        {
            return NONE;
        }
        while (lo < hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (bytesThrough(mid) >= bytes)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * @param ageNs an age in ns.
     * @return the first index whose buffer has a timestamp at least {@code ageNs} older than the
     * newest timestamped buffer's, or {@link #NONE}; buffers without a timestamp are skipped.
     */
    default int firstIndexWithAge(final long ageNs)
    {
        long first = -1;
        for (int i = 0; i < length(); i++)
        {
            final long pts = ptsNs(i);
            if (pts < 0)
            {
                continue;
            }
            if (first < 0)
            {
                first = pts;
            }
            if (first - pts >= ageNs)
            {
                return i;
            }
        }
        return NONE;
    }

    /**
     * The first keyframe at {@code index} or older (the reference's find_syncframe direction +1).
     *
     * @param index where to start, or -1.
     * @return its index, or {@link #NONE}.
     */
    default int keyframeAtOrOlder(final int index)
    {
        if (index < 0)
        {
            return NONE;
        }
        for (int i = index; i < length(); i++)
        {
            if (isKeyframe(i))
            {
                return i;
            }
        }
        return NONE;
    }

    /**
     * The first keyframe met going from {@code index} towards newer buffers, down to 0 (the
     * reference's direction -1): the oldest keyframe at or newer than {@code index}.
     *
     * @param index where to start, or -1.
     * @return its index, or {@link #NONE}.
     */
    default int keyframeAtOrNewer(final int index)
    {
        if (index < 0)
        {
            return NONE;
        }
        for (int i = Math.min(index, length() - 1); i >= 0; i--)
        {
            if (isKeyframe(i))
            {
                return i;
            }
        }
        return NONE;
    }
}
