package io.fanout.sink.selector;

import java.nio.channels.ServerSocketChannel;

/**
 * Accepts connections for a listening channel registered with {@link SelectorLoop#registerAcceptor}.
 * Runs on the selector thread.
 */
public interface AcceptHandler
{
    /**
     * The listening channel is acceptable: accept what is pending and add it.
     *
     * @param server the listening channel, non-blocking.
     * @param loop   the selector loop, to add accepted channels with {@link SelectorLoop#addOnLoop}.
     */
    void onAcceptable(ServerSocketChannel server, SelectorLoop loop);
}
