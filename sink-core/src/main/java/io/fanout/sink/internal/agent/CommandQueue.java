package io.fanout.sink.internal.agent;

import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The commands of every other thread for the selector thread: a JCTools MPSC queue (the
 * field-updater variant, which does not touch {@code sun.misc.Unsafe}) with a door that closes when
 * the agent stops (docs/threading.md).
 * <p>
 * Closing protocol: the agent clears {@code open}, waits for {@code submitting} to reach 0, then
 * drains what was queued; an {@link #offer} that saw the door open is counted in
 * {@code submitting} for the whole of its check-and-offer, so no command is left in the queue
 * unrun and unabandoned. A command offered after the door closed is abandoned at once.
 */
final class CommandQueue
{
    private final MpscUnboundedAtomicArrayQueue<Command> queue = new MpscUnboundedAtomicArrayQueue<>(256);
    private final AtomicInteger submitting = new AtomicInteger();
    private volatile boolean open = true;

    /**
     * Any thread: queue a command, or abandon it when the door is closed.
     *
     * @return true when queued.
     */
    boolean offer(final Command command)
    {
        submitting.incrementAndGet();
        try
        {
            if (!open)
            {
                command.abandon();
                return false;
            }
            queue.offer(command);
            return true;
        }
        finally
        {
            submitting.decrementAndGet();
        }
    }

    /** Any thread: @return true while commands are accepted. */
    boolean isOpen()
    {
        return open;
    }

    /** Any thread: @return true when nothing is queued (a volatile read of the queue's indices). */
    boolean isEmpty()
    {
        return queue.isEmpty();
    }

    /**
     * Selector thread: run the commands queued when it is called, at most {@code limit}. A command
     * offered while they run waits for the next call, so that a caller that issues one call after
     * another cannot hold the duty cycle in its command phase, and two calls in a row are two duty
     * cycles apart.
     *
     * @return the number run.
     */
    int drain(final MessagePassingQueue.Consumer<Command> run, final int limit)
    {
        final int queued = Math.min(limit, queue.size());
        return queued == 0 ? 0 : queue.drain(run, queued);
    }

    /**
     * Selector thread: close the door, run every command queued before it closed, in order, then
     * {@code afterRun}; commands still queued after that are abandoned.
     */
    void close(final MessagePassingQueue.Consumer<Command> run, final Runnable afterRun)
    {
        open = false;
        while (submitting.get() != 0)
        {
            Thread.onSpinWait(); // an offer that saw the door open is finishing
        }
        queue.drain(run);
        afterRun.run();
        Command command;
        while ((command = queue.poll()) != null)
        {
            command.abandon();
        }
    }
}
