package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.RingQueueView;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.sync.QueueView;
import io.fanout.sink.internal.sync.SyncPolicy;

/**
 * Where a new or waiting client starts (docs/semantics.md §5.3 with A.1 and A.2.1): on the retained queue as
 * it stood when the first buffer after its add was queued, or on the first keyframe for a client
 * that waits for one. It decides and returns a {@link StartDecision}; the agent carries it out. Selector thread
 * only.
 */
final class StartPositions
{
    private final BufferRing ring;
    private final SyncEngine sync;
    private final ClientRegistry registry;
    private final RingQueueView view;

    StartPositions(final BufferRing ring, final SyncEngine sync, final ClientRegistry registry)
    {
        this.ring = ring;
        this.sync = sync;
        this.registry = registry;
        this.view = new RingQueueView(ring);
    }

    /**
     * Where a new or waiting client starts, if the buffers it waits for exist: docs/semantics.md A.1, the start is
     * computed on the queue as it stood when the first buffer after the add was queued. A new
     * client whose sync method waits for a keyframe is moved to {@link ClientState#WAITING_KEYFRAME}
     * here (a transition of its own, not an outcome for the agent).
     *
     * @param client a client in state NEW or WAITING_KEYFRAME.
     * @return what to do with it.
     */
    StartDecision decide(final Client client)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            final long head = ring.head();
            final long tail = ring.tail();
            if (client.state() == ClientState.NEW)
            {
                final long first = client.addSeq + 1;
                if (first > head)
                {
                    return StartDecision.NOT_YET;
                }
                if (first < tail)
                {
                    return StartDecision.LAPPED;
                }
                final long oldest = windowOldest(first, tail);
                view.over(oldest, first);
                final int index = SyncPolicy.startIndex(view, client.sync, 0);
                if (!ring.validate(oldest))
                {
                    continue; // the producer moved the tail while we read: decide again
                }
                if (index != SyncPolicy.WAIT)
                {
                    return StartDecision.startAt(first - index, first);
                }
                // next-keyframe, or latest-keyframe / burst-keyframe turned next-keyframe (docs/semantics.md §5.3)
                client.waitForKeyframe(first + 1);
            }
            final long from = Math.max(client.waitFromSeq(), tail);
            if (from > head)
            {
                return StartDecision.NOT_YET;
            }
            view.over(from, head);
            final int index = view.keyframeAtOrNewer(view.length() - 1);
            if (!ring.validate(from))
            {
                continue;
            }
            if (index == QueueView.NONE)
            {
                client.waitForKeyframe(head + 1); // buffers without a keyframe are forgotten
                return StartDecision.NOT_YET;
            }
            return StartDecision.startAt(head - index, head - index);
        }
        return StartDecision.LAPPED; // the producer kept lapping the window: it is outrunning this client
    }

    /**
     * The oldest sequence of the retained queue as it stood when {@code seq} was queued: what
     * minimum retention and the keyframe rule keep, and what clients with data pending still need.
     */
    private long windowOldest(final long seq, final long tail)
    {
        final long oldest = registry.oldestNeeded(seq - sync.retentionIndex(view.over(tail, seq)));
        return Math.max(oldest, tail);
    }
}
