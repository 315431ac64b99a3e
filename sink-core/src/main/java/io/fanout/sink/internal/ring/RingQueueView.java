package io.fanout.sink.internal.ring;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.internal.sync.QueueView;

/**
 * A {@link QueueView} over the ring's sequences {@code oldest .. newest} (index i is sequence
 * {@code newest - i}), reusable so that a decision allocates nothing. Byte totals come from the
 * ring's running byte counts and keyframe searches follow its per-slot links, so neither scans.
 * <p>
 * Selector thread only. What it reads of the ring may be torn by a lapping producer: callers
 * validate {@code oldest} with {@link BufferRing#validate(long)} after deciding.
 */
public final class RingQueueView implements QueueView
{
    private final BufferRing ring;
    private long newest;
    private long oldest;
    private long newestEnd;

    public RingQueueView(final BufferRing ring)
    {
        this.ring = ring;
    }

    /**
     * @param oldestSeq the oldest sequence in the view.
     * @param newestSeq the newest, &gt;= oldestSeq.
     * @return this view.
     */
    public RingQueueView over(final long oldestSeq, final long newestSeq)
    {
        oldest = oldestSeq;
        newest = newestSeq;
        newestEnd = ring.bytesBefore(newestSeq) + ring.length(newestSeq);
        return this;
    }

    public long newest()
    {
        return newest;
    }

    public long oldest()
    {
        return oldest;
    }

    /** @param index an index of this view. @return its sequence. */
    public long seq(final int index)
    {
        return newest - index;
    }

    @Override
    public int length()
    {
        return (int)(newest - oldest + 1);
    }

    @Override
    public int size(final int index)
    {
        return ring.length(newest - index);
    }

    @Override
    public long ptsNs(final int index)
    {
        return ring.ptsNs(newest - index);
    }

    @Override
    public boolean isKeyframe(final int index)
    {
        return BufferFlags.isKeyframe(ring.flags(newest - index));
    }

    @Override
    public long bytesThrough(final int index)
    {
        return newestEnd - ring.bytesBefore(newest - index);
    }

    @Override
    public int keyframeAtOrOlder(final int index)
    {
        if (index < 0 || index >= length())
        {
            return NONE;
        }
        final long keyframe = ring.prevKeyframe(newest - index);
        return keyframe >= oldest ? (int)(newest - keyframe) : NONE;
    }

    @Override
    public int keyframeAtOrNewer(final int index)
    {
        if (index < 0)
        {
            return NONE;
        }
        final long from = newest - Math.min(index, length() - 1);
        long keyframe = ring.prevKeyframe(newest);
        if (keyframe < from)
        {
            return NONE;
        }
        // walk the keyframe links back to the oldest keyframe not older than 'from'
        while (keyframe > from)
        {
            final long previous = ring.prevKeyframe(keyframe - 1);
            if (previous < from)
            {
                break;
            }
            keyframe = previous;
        }
        return (int)(newest - keyframe);
    }
}
