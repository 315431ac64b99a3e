package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.RingQueueView;
import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.sync.LagPolicy;

/**
 * The lag limits of the lagging clients (docs/semantics.md §6 with A.1, A.2.3): the soft limit with
 * the recover policy, the hard limit, and being lapped by the queue capacity. It decides and
 * returns a {@link LagDecision} per client; the agent carries it out. The stalled-client timeout
 * is {@link StalledClients}'. Selector thread only.
 * <p>
 * Use per new head: {@link #begin(long)}, then {@link #decide(Client)} for each lagging client,
 * then {@link #end()}.
 * <p>
 * Evaluated once per new head, with the outcomes of an evaluation at every buffer (docs/semantics.md A.1): a client
 * that is over neither limit at the newest head was over neither at any buffer since the last
 * evaluation (its position did not move back, and a converted limit grows by at most one index
 * per buffer: always in buffers and bytes, in time while timestamps do not go backwards), so
 * nothing happens to it. A client over a limit, or waiting for a keyframe after a recovery, is
 * replayed buffer by buffer over the buffers that arrived since the last evaluation
 * ({@link #replay}): resync-latest and resync-keyframe may fire several times in one batch, a
 * waiting client resumes on the keyframe that arrives, and the hard limit is checked after each
 * buffer's recovery, as the reference does. Writes this round count as done before those arrivals
 * (only this thread writes, so none happened between them).
 */
final class LagLimits
{
    private final BufferRing ring;
    private final SinkConfig config;
    private final SyncEngine sync;
    private final RingQueueView view;
    /** The newest sequence whose arrival the lag limits have been evaluated for (docs/semantics.md A.1). */
    private long limitsHead = -1;
    private long head;
    private long tail;
    private int soft;
    private int hard;
    private boolean valid;

    LagLimits(final BufferRing ring, final SinkConfig config, final SyncEngine sync)
    {
        this.ring = ring;
        this.config = config;
        this.sync = sync;
        this.view = new RingQueueView(ring);
    }

    /** Converts the limits to indices on the queue as it stands at {@code newHead}. */
    void begin(final long newHead)
    {
        head = newHead;
        tail = ring.tail();
        soft = -1;
        hard = -1;
        valid = false;
        if (sync.hasLimits() && tail <= head)
        {
            view.over(tail, head);
            soft = sync.softIndex(view);
            hard = sync.hardIndex(view);
            valid = ring.validate(tail); // else torn by the producer: the next head change converts again
        }
    }

    /**
     * @param client a lagging client.
     * @return what happened to it at the buffers since the last evaluation.
     */
    LagDecision decide(final Client client)
    {
        if (client.next < tail)
        {
            return LagDecision.LAPPED;
        }
        if (!valid)
        {
            return LagDecision.NONE;
        }
        if (client.jump() != Jump.WAIT_KEYFRAME)
        {
            final int bufpos = (int)Math.max(-1, Math.min(Integer.MAX_VALUE, head - client.nextToTake()));
            final boolean overHard = LagPolicy.overHardLimit(bufpos, hard);
            final boolean overSoft = soft > 0 && bufpos >= soft && config.recoverPolicy() != RecoverPolicy.NONE;
            if (!overSoft && !overHard)
            {
                return LagDecision.NONE; // nothing happened to it at any buffer since the last evaluation
            }
        }
        return replay(client, Math.max(limitsHead + 1, client.limitsFromSeq));
    }

    /** The evaluation at this head is complete (when the limits were read untorn). */
    void end()
    {
        if (valid)
        {
            limitsHead = head;
        }
    }

    /**
     * docs/semantics.md §4.2 passes 1 and 2 for one client, at each arrival {@code from .. head} in turn, from its
     * position now (no write happened in between: only this thread writes). When the producer
     * tore what was read (it released buffers meanwhile, so the client is about to be found
     * lapped) nothing is decided.
     */
    private LagDecision replay(final Client client, final long from)
    {
        boolean waiting = client.jump() == Jump.WAIT_KEYFRAME;
        long waitFrom = client.jumpSeq();
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
                    continue; // skipped while waiting: not counted (docs/semantics.md §6.2)
                }
                waiting = false; // docs/semantics.md A.2.3: it resumes on the next keyframe
                take = seq;
                moved = true;
            }
            if (seq < take)
            {
                continue;
            }
            int bufpos = (int)Math.min(Integer.MAX_VALUE, seq - take);
            view.over(tail, seq);
            final int softNow = sync.softIndex(view);
            if (softNow > 0 && bufpos >= softNow)
            {
                final int position = LagPolicy.recover(view, config.recoverPolicy(), bufpos, softNow);
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
            return LagDecision.NONE;
        }
        if (slow)
        {
            return LagDecision.slow(dropped);
        }
        if (moved)
        {
            return LagDecision.moved(waiting, waiting ? waitFrom : take, dropped);
        }
        return LagDecision.NONE; // buffers are dropped only by a move
    }
}
