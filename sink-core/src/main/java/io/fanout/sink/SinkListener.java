package io.fanout.sink;

import java.nio.channels.SocketChannel;

/**
 * The client notifications of multihandlesink: {@code client-added}, {@code client-removed},
 * {@code client-socket-removed}.
 * <p>
 * <b>Threading:</b> every method runs on the sink's selector thread and must not block. Per client
 * the order is {@link #clientAdded}, then {@link #clientRemoved}, then {@link #clientSocketRemoved};
 * a refused duplicate add gives only {@code clientRemoved(channel, DUPLICATE)}. Whatever a
 * listener throws (a RuntimeException, a checked exception thrown sneakily, an Error such as
 * AssertionError) is logged at WARN, the other listeners still get the callback, and the sink
 * keeps serving; only a VirtualMachineError other than StackOverflowError (out of memory) is
 * rethrown, and stops the selector thread.
 */
public interface SinkListener
{
    /**
     * A client was added; runs before anything is sent to it (docs/semantics.md A.2.8).
     *
     * @param channel the client's channel.
     */
    default void clientAdded(final SocketChannel channel)
    {
    }

    /**
     * A client is being removed and will get no more I/O. {@link MultiSocketSink#getStats} still
     * sees it here. Do not close the channel here: the sink still uses it.
     *
     * @param channel the client's channel.
     * @param status  why it was removed.
     */
    default void clientRemoved(final SocketChannel channel, final ClientStatus status)
    {
    }

    /**
     * The client has left the sink: the place to close a channel the application handed in.
     * {@link TcpServerSink} has already closed the channels it accepted.
     *
     * @param channel the client's channel.
     */
    default void clientSocketRemoved(final SocketChannel channel)
    {
    }
}
