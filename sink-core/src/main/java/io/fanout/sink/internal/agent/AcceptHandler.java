package io.fanout.sink.internal.agent;

import java.io.IOException;
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
     * @throws IOException when {@code accept()} failed (too many open files, ...): the loop pauses
     *                     accepting on this channel for {@link AcceptBackoff#PAUSE_NS} and logs once
     *                     per burst of failures (semantics A.2.10).
     */
    void onAcceptable(ServerSocketChannel server, SelectorLoop loop) throws IOException;
}
