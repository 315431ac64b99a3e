package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.RingQueueView;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.sync.QueueView;
import io.fanout.sink.internal.sync.SyncPolicy;

/**
 * Where a new or waiting client starts (semantics §5.3 with A.1 and A.2.1): on the retained queue as
 * it stood when the first buffer after its add was queued, or on the first keyframe for a client
 * that waits for one. It decides; the selector loop starts the client. Selector thread only.
 */
final class StartPositions
{
    /** What the selector loop does with a client whose start was decided. */
    interface Outcomes
    {
        /** The buffers the client needed to start were released by the queue capacity. */
        void lapped(Client client);

        /** The client starts at {@code seq}; lag limits count the buffers after {@code decidedAt}. */
        void startAt(Client client, long seq, long decidedAt);
    }

    private final BufferRing ring;
    private final SyncEngine sync;
    private final ClientList lagging;
    private final ClientList ready;
    private final RingQueueView view;
    private final Outcomes outcomes;

    StartPositions(
        final BufferRing ring,
        final SyncEngine sync,
        final ClientList lagging,
        final ClientList ready,
        final Outcomes outcomes)
    {
        this.ring = ring;
        this.sync = sync;
        this.lagging = lagging;
        this.ready = ready;
        this.view = new RingQueueView(ring);
        this.outcomes = outcomes;
    }

    /**
     * Positions a new or waiting client if the buffers it waits for exist: A.1, the start is
     * computed on the queue as it stood when the first buffer after the add was queued.
     */
    void position(final Client client)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            final long head = ring.head();
            final long tail = ring.tail();
            if (client.state == Client.NEW)
            {
                final long first = client.addSeq + 1;
                if (first > head)
                {
                    return;
                }
                if (first < tail)
                {
                    outcomes.lapped(client);
                    return;
                }
                final long oldest = windowOldest(first, tail);
                view.over(oldest, first);
                final int index = SyncPolicy.startIndex(view, client.syncMethod, 0,
                    client.burstMinFormat, client.burstMinValue, client.burstMaxFormat, client.burstMaxValue);
                if (!ring.validate(oldest))
                {
                    continue; // the producer moved the tail while we read: decide again
                }
                if (index != SyncPolicy.WAIT)
                {
                    outcomes.startAt(client, first - index, first);
                    return;
                }
                // next-keyframe, or latest-keyframe / burst-keyframe turned next-keyframe (§5.3)
                client.state = Client.WAITING_KEYFRAME;
                client.waitFromSeq = first + 1;
            }
            final long from = Math.max(client.waitFromSeq, tail);
            if (from > head)
            {
                return;
            }
            view.over(from, head);
            final int index = view.keyframeAtOrNewer(view.length() - 1);
            if (!ring.validate(from))
            {
                continue;
            }
            if (index == QueueView.NONE)
            {
                client.waitFromSeq = head + 1; // buffers without a keyframe are forgotten
            }
            else
            {
                outcomes.startAt(client, head - index, head - index);
            }
            return;
        }
        outcomes.lapped(client); // the producer kept lapping the window: it is outrunning this client
    }

    /**
     * The oldest sequence of the retained queue as it stood when {@code seq} was queued: what
     * minimum retention and the keyframe rule keep, and what lagging clients still need.
     */
    private long windowOldest(final long seq, final long tail)
    {
        long oldest = seq - sync.retentionIndex(view.over(tail, seq));
        for (int i = 0, n = lagging.size(); i < n; i++)
        {
            final long needed = lagging.get(i).next;
            if (needed < oldest)
            {
                oldest = needed;
            }
        }
        for (int i = 0, n = ready.size(); i < n; i++)
        {
            oldest = Math.min(oldest, ready.get(i).next);
        }
        return Math.max(oldest, tail);
    }
}
