package io.fanout.sink.internal.agent;

import org.agrona.concurrent.IdleStrategy;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The selector thread's idle: the configured Agrona {@link IdleStrategy}, with a {@code parked}
 * flag so that the producer and command submitters wake the thread only when it may be parked
 * (docs/threading.md, "Wake-ups").
 * <p>
 * Memory ordering (a Dekker pair): the selector thread stores {@code parked = true} (volatile), then
 * reads the ring's head and the command queue (volatile loads, {@code hasInput}); the producer
 * stores the head (volatile), then reads {@code parked} (volatile load); a submitter offers its
 * command, then reads {@code parked}. Sequential consistency of volatiles means at least one side
 * sees the other's store: either the selector thread sees the new input and does not idle, or the
 * waker sees {@code parked} and unparks it. A spurious unpark only makes one park return early.
 * <p>
 * When the agent has a deadline of its own (a round of writes lingering for more buffers, at most
 * a few milliseconds away), it parks until that deadline instead of backing off, so that the
 * round is not written later than its bound ({@link WriteRounds}).
 */
final class WakeableIdle implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final BooleanSupplier hasInput;
    private final LongSupplier deadlineNs;
    private volatile boolean parked;
    private volatile Thread thread;

    /**
     * @param delegate the configured strategy.
     * @param hasInput   check for input the last duty cycle did not see (called on the idling thread).
     * @param deadlineNs the agent's next deadline on the monotonic clock, or Long.MAX_VALUE for none
     *                   (called on the idling thread).
     */
    WakeableIdle(final IdleStrategy delegate, final BooleanSupplier hasInput, final LongSupplier deadlineNs)
    {
        this.delegate = delegate;
        this.hasInput = hasInput;
        this.deadlineNs = deadlineNs;
    }

    /** Selector thread, once at start: the thread that idles here. */
    void bind(final Thread idler)
    {
        thread = idler;
    }

    /** Any thread: unpark the selector thread if, and only if, it may be parked. */
    void wake()
    {
        if (parked)
        {
            final Thread t = thread;
            if (t != null)
            {
                LockSupport.unpark(t);
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
        parked = true;
        try
        {
            if (!hasInput.getAsBoolean()) // after the volatile store of parked: see the class Javadoc
            {
                final long deadline = deadlineNs.getAsLong();
                if (deadline == Long.MAX_VALUE)
                {
                    delegate.idle();
                }
                else
                {
                    final long leftNs = deadline - System.nanoTime();
                    if (leftNs > 0)
                    {
                        LockSupport.parkNanos(this, leftNs);
                    }
                    delegate.reset(); // the deadline is work: back off from the start afterwards
                }
            }
        }
        finally
        {
            parked = false;
        }
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
