package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.RingQueueView;
import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.sync.LagPolicy;

/**
 * The lag limits of the lagging clients (semantics §6 with A.1 and A.2.3, A.2.5): the soft limit
 * with the recover policy, the hard limit, being lapped by the queue capacity, and the stalled-client
 * timeout. It decides; the selector loop carries out the outcomes (removal, waiting for a
 * keyframe). Selector thread only.
 */
final class LagLimits
{
    /** What the selector loop does with a client the limits decided about. */
    interface Outcomes
    {
        /** The queue capacity released a buffer the client still needed: removed SLOW, counted lapped. */
        void lapped(Client client);

        /** Over the hard limit, or timed out: removed SLOW. */
        void removeSlow(Client client);

        /** Recovery made the client wait for a keyframe at or after {@code fromSeq}. */
        void toWaiting(Client client, long fromSeq);
    }

    private final BufferRing ring;
    private final SinkConfig config;
    private final SyncEngine sync;
    private final RingQueueView view;
    private final Outcomes outcomes;
    /** The newest sequence whose arrival the lag limits have been evaluated for (A.1). */
    private long limitsHead = -1;

    LagLimits(final BufferRing ring, final SinkConfig config, final SyncEngine sync, final Outcomes outcomes)
    {
        this.ring = ring;
        this.config = config;
        this.sync = sync;
        this.view = new RingQueueView(ring);
        this.outcomes = outcomes;
    }

    /**
     * Lagging clients only (caught-up ones have nothing pending): lapped ones are removed SLOW;
     * over the soft limit the recover policy moves them (§6.2, A.2.3); over the hard limit they
     * are removed SLOW (§6.3).
     * <p>
     * Evaluated once per new head, with the outcomes of an evaluation at every buffer (A.1): a
     * client that is over neither limit at the newest head was over neither at any buffer since
     * the last evaluation (its position did not move back, and a converted limit grows by at most
     * one index per buffer: always in buffers and bytes, in time while timestamps do not go
     * backwards), so nothing happens to it. A client over a limit, or waiting for a keyframe after
     * a recovery, is replayed buffer by buffer over the buffers that arrived since the last
     * evaluation ({@link #replayLimits}): resync-latest and resync-keyframe may fire several times
     * in one batch, a waiting client resumes on the keyframe that arrives, and the hard limit is
     * checked after each buffer's recovery, as the reference does. Writes this round count as done
     * before those arrivals (only this thread writes, so none happened between them).
     */
    void check(final ClientList lagging, final long head)
    {
        final long tail = ring.tail();
        final long from = limitsHead + 1;
        int soft = -1;
        int hard = -1;
        boolean valid = false;
        if (sync.hasLimits() && tail <= head)
        {
            view.over(tail, head);
            soft = sync.softIndex(view);
            hard = sync.hardIndex(view);
            valid = ring.validate(tail); // else torn by the producer: the next head change converts again
        }
        for (int i = lagging.size() - 1; i >= 0; i--)
        {
            if (i >= lagging.size())
            {
                continue;
            }
            final Client client = lagging.get(i);
            if (client.next < tail)
            {
                outcomes.lapped(client);
                continue;
            }
            if (!valid)
            {
                continue;
            }
            if (client.jumpMode != Client.JUMP_WAIT_KEYFRAME)
            {
                final int bufpos = (int)Math.max(-1, Math.min(Integer.MAX_VALUE, head - client.nextToTake()));
                final boolean overHard = LagPolicy.overHardLimit(bufpos, hard);
                final boolean overSoft = soft > 0 && bufpos >= soft && config.recoverPolicy() != RecoverPolicy.NONE;
                if (!overSoft && !overHard)
                {
                    continue; // nothing happened to it at any buffer since the last evaluation
                }
            }
            replayLimits(client, Math.max(from, client.limitsFromSeq), head, tail);
        }
        if (valid)
        {
            limitsHead = head;
        }
    }

    /**
     * §4.2 passes 1 and 2 for one client, at each arrival {@code from .. head} in turn, from its
     * position now (no write happened in between: only this thread writes). When the producer
     * tore what was read (it released buffers meanwhile, so the client is about to be found
     * lapped) nothing is changed.
     */
    private void replayLimits(final Client client, final long from, final long head, final long tail)
    {
        boolean waiting = client.jumpMode == Client.JUMP_WAIT_KEYFRAME;
        long waitFrom = client.jumpSeq;
        long take = waiting ? Long.MAX_VALUE : client.nextToTake();
        long dropped = 0;
        boolean moved = false;
        boolean slow = false;
        for (long seq = Math.max(from, tail); seq <= head; seq++)
        {
            if (waiting)
            {
                if (seq < waitFrom || !view.over(tail, seq).isKeyframe(0))
                {
                    continue; // skipped while waiting: not counted (§6.2)
                }
                waiting = false; // A.2.3: it resumes on the next keyframe
                take = seq;
                moved = true;
            }
            if (seq < take)
            {
                continue;
            }
            int bufpos = (int)Math.min(Integer.MAX_VALUE, seq - take);
            view.over(tail, seq);
            final int soft = sync.softIndex(view);
            if (soft > 0 && bufpos >= soft)
            {
                final int position = LagPolicy.recover(view, config.recoverPolicy(), bufpos, soft);
                if (position != bufpos)
                {
                    dropped += LagPolicy.dropped(bufpos, position);
                    moved = true;
                    if (position == LagPolicy.NEXT_KEYFRAME)
                    {
                        waiting = true;
                        waitFrom = seq + 1;
                        continue;
                    }
                    take = position >= 0 ? seq - position : seq + 1;
                    bufpos = position;
                }
            }
            if (LagPolicy.overHardLimit(bufpos, sync.hardIndex(view)))
            {
                slow = true;
                break;
            }
        }
        if (!ring.validate(tail))
        {
            return;
        }
        client.buffersDropped += dropped;
        if (slow)
        {
            outcomes.removeSlow(client);
        }
        else if (moved)
        {
            moveTo(client, waiting, waiting ? waitFrom : take);
        }
    }

    /**
     * Recovery (§6.2): after the buffer it is writing, if any, the client continues at {@code seq},
     * or waits for a keyframe from {@code seq} on.
     */
    private void moveTo(final Client client, final boolean waitKeyframe, final long seq)
    {
        if (client.midBuffer())
        {
            client.jumpMode = waitKeyframe ? Client.JUMP_WAIT_KEYFRAME : Client.JUMP_TO;
            client.jumpSeq = seq;
            return;
        }
        client.jumpMode = Client.JUMP_NONE;
        if (waitKeyframe)
        {
            outcomes.toWaiting(client, seq);
        }
        else
        {
            client.next = seq;
        }
    }

    /** A.2.5: a client with data pending that accepted no byte for timeoutNs is removed SLOW. */
    void checkTimeouts(final ClientList lagging, final long nowMonoNs)
    {
        final long timeoutNs = config.timeoutNs();
        for (int i = lagging.size() - 1; i >= 0; i--)
        {
            if (i >= lagging.size())
            {
                continue;
            }
            final Client client = lagging.get(i);
            final long stalledSince = Math.max(client.lastActivityMonoNs, client.pendingSinceMonoNs);
            if (nowMonoNs - stalledSince > timeoutNs)
            {
                outcomes.removeSlow(client);
            }
        }
    }
}
