package io.fanout.sink.internal.agent;

/**
 * A request from another thread, queued on the MPSC command queue and executed on the selector
 * thread in submission order.
 */
abstract class Command
{
    abstract void execute(SelectorLoop loop);

    /** The sink stopped before the command ran: complete any waiter with a fallback. */
    void abandon()
    {
    }
}
