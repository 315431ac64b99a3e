package io.fanout.sink.internal.agent;

import org.agrona.concurrent.IdleStrategy;

import java.nio.channels.Selector;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The selector thread's idle: an Agrona {@link IdleStrategy} (by default the
 * {@link SelectorIdleStrategy}, or the one configured with {@code SinkConfig.idleStrategy}), with a
 * {@code parked} flag so that the producer and command submitters wake the thread only when it may
 * be blocked (docs/threading.md, "Wake-ups"): with {@link Selector#wakeup()} when it blocks in
 * select, with {@link LockSupport#unpark} when a configured strategy parks it.
 * <p>
 * Memory ordering (a Dekker pair): the selector thread stores {@code parked = true} (volatile), then
 * reads the ring's head and the command queue (volatile loads, {@code hasInput}); the producer
 * stores the head (volatile), then reads {@code parked} (volatile load); a submitter offers its
 * command, then reads {@code parked}. Sequential consistency of volatiles means at least one side
 * sees the other's store: either the selector thread sees the new input and does not idle, or the
 * waker sees {@code parked} and wakes it. A spurious wake-up only ends one block early.
 * <p>
 * With a configured strategy, when the agent has a deadline of its own (a round of writes
 * lingering for more buffers, at most a few milliseconds away), the thread parks until that
 * deadline instead of backing off, so that the round is not written later than its bound
 * ({@link WriteRounds}).
 */
final class WakeableIdle implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final SelectorIdleStrategy selectorIdle;
    private final Selector selector;
    private final BooleanSupplier hasInput;
    private final LongSupplier deadlineNs;
    private volatile boolean parked;
    private volatile Thread thread;

    /**
     * @param delegate   the strategy: a {@link SelectorIdleStrategy} on {@code selector}, or a configured one.
     * @param selector   the agent's selector.
     * @param hasInput   check for input the last duty cycle did not see (called on the idling thread).
     * @param deadlineNs the agent's next deadline on the monotonic clock, or Long.MAX_VALUE for none
     *                   (called on the idling thread).
     */
    WakeableIdle(final IdleStrategy delegate, final Selector selector, final BooleanSupplier hasInput,
        final LongSupplier deadlineNs)
    {
        this.delegate = delegate;
        this.selectorIdle = delegate instanceof SelectorIdleStrategy ? (SelectorIdleStrategy)delegate : null;
        this.selector = selector;
        this.hasInput = hasInput;
        this.deadlineNs = deadlineNs;
    }

    /** Selector thread, once at start: the thread that idles here. */
    void bind(final Thread idler)
    {
        thread = idler;
    }

    /** Any thread: wake the selector thread if, and only if, it may be blocked. */
    void wake()
    {
        if (parked)
        {
            if (selectorIdle != null)
            {
                selector.wakeup();
            }
            else
            {
                final Thread t = thread;
                if (t != null)
                {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            delegate.idle(workCount);
            return;
        }
        idle();
    }

    @Override
    public void idle()
    {
        if (selectorIdle != null && !selectorIdle.blocksNext())
        {
            delegate.idle(); // spinning or yielding: nobody needs to wake it
            return;
        }
        parked = true;
        try
        {
            if (!hasInput.getAsBoolean()) // after the volatile store of parked: see the class Javadoc
            {
                idleUntilWoken();
            }
        }
        finally
        {
            parked = false;
        }
    }

    private void idleUntilWoken()
    {
        final long deadline = selectorIdle == null ? deadlineNs.getAsLong() : Long.MAX_VALUE;
        if (deadline == Long.MAX_VALUE)
        {
            delegate.idle(); // the selector strategy bounds its own block by the deadline
            return;
        }
        final long leftNs = deadline - System.nanoTime();
        if (leftNs > 0)
        {
            LockSupport.parkNanos(this, leftNs);
        }
        delegate.reset(); // the deadline is work: back off from the start afterwards
    }

    @Override
    public void reset()
    {
        delegate.reset();
    }

    @Override
    public String alias()
    {
        return "wakeable-" + delegate.alias();
    }
}
