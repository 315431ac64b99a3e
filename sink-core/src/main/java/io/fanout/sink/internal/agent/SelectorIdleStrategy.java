package io.fanout.sink.internal.agent;

import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The selector thread's default idle, as an Agrona {@link IdleStrategy}: spin, then yield, then
 * block in {@link Selector#select(Consumer, long)} on the agent's own selector, so that an idle
 * sink still wakes at once for a socket event (a lagging client's socket that drained, a
 * connection, a request) and costs no CPU. Agrona's own strategies park the thread with
 * {@code LockSupport}, which no socket event ends: measured on 1,000 clients that lag now and
 * then, they doubled the producer-to-client latency (docs/design.md, "Idling").
 * <p>
 * Keys made ready while blocked are handled at once by the agent's key handler; the block ends
 * no later than the agent's next deadline (a lingering round of writes) or {@link #MAX_BLOCK_MS}.
 * The producer and command submitters end it with {@link Selector#wakeup()} through
 * {@link WakeableIdle}, and only while {@link WakeableIdle} has marked the thread parked.
 * Selector thread only.
 */
final class SelectorIdleStrategy implements IdleStrategy
{
    /** Idle cycles spent spinning before yielding. */
    static final int SPINS = 100;
    /** Idle cycles spent yielding before blocking in select. */
    static final int YIELDS = 20;
    /** The longest block in select: 100 ms (the agent's housekeeping runs at least this often). */
    static final long MAX_BLOCK_MS = 100;

    private static final Logger LOG = LoggerFactory.getLogger(SelectorIdleStrategy.class);

    private final Selector selector;
    private final Consumer<SelectionKey> onKey;
    private final LongSupplier deadlineNs;
    private final long maxBlockMs;
    private int idles;

    /**
     * @param selector   the agent's selector.
     * @param onKey      the agent's handler of ready keys.
     * @param deadlineNs the agent's next deadline on the monotonic clock, or Long.MAX_VALUE.
     * @param maxBlockMs the longest block in select, in ms ({@link #MAX_BLOCK_MS} for the agent).
     */
    SelectorIdleStrategy(final Selector selector, final Consumer<SelectionKey> onKey, final LongSupplier deadlineNs,
        final long maxBlockMs)
    {
        this.selector = selector;
        this.onKey = onKey;
        this.deadlineNs = deadlineNs;
        this.maxBlockMs = maxBlockMs;
    }

    /** @return true when the next {@link #idle()} blocks in select (the caller marks itself parked). */
    boolean blocksNext()
    {
        return idles >= SPINS + YIELDS;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (idles < SPINS)
        {
            idles++;
            Thread.onSpinWait();
        }
        else if (idles < SPINS + YIELDS)
        {
            idles++;
            Thread.yield();
        }
        else
        {
            block();
        }
    }

    @Override
    public void reset()
    {
        idles = 0;
    }

    @Override
    public String alias()
    {
        return "selector";
    }

    private void block()
    {
        long timeoutMs = maxBlockMs;
        final long deadline = deadlineNs.getAsLong();
        if (deadline != Long.MAX_VALUE)
        {
            final long leftNs = deadline - System.nanoTime();
            if (leftNs <= 0)
            {
                reset();
                return;
            }
            timeoutMs = Math.max(1, Math.min(timeoutMs, (leftNs + 999_999) / 1_000_000));
        }
        try
        {
            if (selector.select(onKey, timeoutMs) > 0)
            {
                reset(); // socket work was done: spin again before the next block
            }
        }
        catch (final IOException | ClosedSelectorException ex)
        {
            LOG.debug("select failed while idle", ex);
        }
    }
}
