package io.fanout.sink.internal.sync;

/**
 * The second test view: a snapshot of another view that answers {@code bytesThrough} from prefix
 * sums and the keyframe searches from precomputed per-index links, as a ring-backed view would.
 * Used to check that decisions do not depend on how a view implements the optional methods.
 */
final class IndexedQueueView implements QueueView
{
    private final int[] sizes;
    private final long[] pts;
    private final boolean[] keyframes;
    private final long[] prefixBytes;
    /** atOrOlder[i]: first keyframe at index &gt;= i, or NONE. */
    private final int[] atOrOlder;
    /** atOrNewer[i]: first keyframe met going from i down to 0, or NONE. */
    private final int[] atOrNewer;

    IndexedQueueView(final QueueView source)
    {
        final int n = source.length();
        sizes = new int[n];
        pts = new long[n];
        keyframes = new boolean[n];
        prefixBytes = new long[n];
        atOrOlder = new int[n];
        atOrNewer = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            sizes[i] = source.size(i);
            pts[i] = source.ptsNs(i);
            keyframes[i] = source.isKeyframe(i);
            total += sizes[i];
            prefixBytes[i] = total;
        }
        int link = NONE;
        for (int i = n - 1; i >= 0; i--)
        {
            if (keyframes[i])
            {
                link = i;
            }
            atOrOlder[i] = link;
        }
        link = NONE;
        for (int i = 0; i < n; i++)
        {
            if (keyframes[i])
            {
                link = i;
            }
            atOrNewer[i] = link;
        }
    }

    @Override
    public int length()
    {
        return sizes.length;
    }

    @Override
    public int size(final int index)
    {
        return sizes[index];
    }

    @Override
    public long ptsNs(final int index)
    {
        return pts[index];
    }

    @Override
    public boolean isKeyframe(final int index)
    {
        return keyframes[index];
    }

    @Override
    public long bytesThrough(final int index)
    {
        return prefixBytes[index];
    }

    @Override
    public int keyframeAtOrOlder(final int index)
    {
        return index < 0 || index >= sizes.length ? NONE : atOrOlder[index];
    }

    @Override
    public int keyframeAtOrNewer(final int index)
    {
        return index < 0 ? NONE : atOrNewer[Math.min(index, sizes.length - 1)];
    }
}
