package io.fanout.sink.internal.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The waiters of {@code drain}: each completes once every client has been handed every buffer
 * published before its call (written to its socket), or left. Selector thread only; the futures
 * are completed here and waited on by the callers' threads.
 */
final class DrainBarrier
{
    private final List<Waiter> waiters = new ArrayList<>();

    /** A drain up to {@code targetSeq} begins. */
    void add(final long targetSeq, final CompletableFuture<Boolean> done)
    {
        waiters.add(new Waiter(targetSeq, done));
    }

    boolean isEmpty()
    {
        return waiters.isEmpty();
    }

    /**
     * Completes the waiters that are drained.
     *
     * @param head        the newest sequence the agent has seen.
     * @param roundDue    true while caught-up clients have buffers not yet written to them.
     * @param clientsNeed the oldest sequence a client with data pending still needs.
     */
    void complete(final long head, final boolean roundDue, final long clientsNeed)
    {
        for (int i = waiters.size() - 1; i >= 0; i--)
        {
            final Waiter waiter = waiters.get(i);
            if (head >= waiter.targetSeq && !roundDue && clientsNeed > waiter.targetSeq)
            {
                waiters.remove(i);
                waiter.done.complete(Boolean.TRUE);
            }
        }
    }

    /** The sink stopped: every waiter completes (nothing is left to drain). */
    void completeAll()
    {
        for (final Waiter waiter : waiters)
        {
            waiter.done.complete(Boolean.TRUE);
        }
        waiters.clear();
    }

    private record Waiter(long targetSeq, CompletableFuture<Boolean> done)
    {
    }
}
