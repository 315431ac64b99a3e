package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.RingQueueView;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The retention the selector thread publishes to the ring (docs/semantics.md §4.3 with A.2.2,
 * A.2.12; docs/design.md, "The ring"): the oldest sequence anyone still needs, which is the
 * window minimum retention and the keyframe rule keep for new clients, and what clients with data
 * pending still need. The producer releases slots older than that. Selector thread only, except
 * {@link #pendingAdds()}, which other threads count up and down.
 */
final class RetainedWindow
{
    private final BufferRing ring;
    private final SyncEngine sync;
    private final RingQueueView view;
    /**
     * Adds between their read of the head (any thread) and their execution here: while any is in
     * flight the retention does not move, since the add may need older data. Incremented before the
     * adder reads the head, decremented on the selector thread when the add runs or is abandoned.
     */
    private final AtomicInteger pendingAdds = new AtomicInteger();
    private long windowOldestAtHead;
    private long retainedOldest;

    RetainedWindow(final BufferRing ring, final SyncEngine sync)
    {
        this.ring = ring;
        this.sync = sync;
        this.view = new RingQueueView(ring);
    }

    /** Any thread: the count of adds in flight. */
    AtomicInteger pendingAdds()
    {
        return pendingAdds;
    }

    /** Once per new head: what minimum retention and the keyframe rule keep (docs/semantics.md §4.3 (b), (c)). */
    void headMoved(final long head)
    {
        final long tail = ring.tail();
        if (tail > head)
        {
            return;
        }
        final int index = sync.retentionIndex(view.over(tail, head));
        if (ring.validate(tail))
        {
            windowOldestAtHead = head - index;
        }
        else
        {
            windowOldestAtHead = Math.min(windowOldestAtHead, head); // torn read: keep what was kept
        }
    }

    /**
     * Publishes the oldest sequence anyone needs, unless an add is in flight, and what the clients
     * hold for back-pressure.
     *
     * @param clientsNeed the oldest sequence a connected client still needs (Long.MAX_VALUE: none).
     * @param clientsHold the same, counting the buffers this thread has not seen yet as needed by
     *                    every client (Long.MAX_VALUE: no client).
     */
    void publish(final long clientsNeed, final long clientsHold)
    {
        ring.hold(clientsHold, pendingAdds);
        retainedOldest = Math.min(windowOldestAtHead, clientsNeed);
        if (pendingAdds.get() == 0)
        {
            ring.retain(retainedOldest);
        }
    }

    /** @return the oldest retained sequence as last computed: for statistics. */
    long retainedOldest()
    {
        return retainedOldest;
    }
}
