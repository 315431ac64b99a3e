package io.fanout.sink.internal.agent;

/**
 * A request from another thread, queued by {@link SinkProxy} on the {@link CommandQueue} and
 * executed on the selector thread in submission order.
 */
abstract class Command
{
    /** Selector thread: carry out the request. */
    abstract void execute(SinkAgent agent);

    /** The sink stopped before the command ran: complete any waiter with a fallback. Any thread. */
    void abandon()
    {
    }
}
