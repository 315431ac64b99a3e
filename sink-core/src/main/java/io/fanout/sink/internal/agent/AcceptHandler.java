package io.fanout.sink.internal.agent;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;

/**
 * Accepts connections for a listening channel registered with {@link SinkProxy#registerAcceptor}.
 * Runs on the selector thread.
 */
public interface AcceptHandler
{
    /**
     * The listening channel is acceptable: accept what is pending and hand each connection over
     * ({@link AcceptedConnections#add}, or {@link AcceptedConnections#handshake} first).
     *
     * @param server      the listening channel, non-blocking.
     * @param connections where accepted connections go.
     * @throws IOException when {@code accept()} failed (too many open files, ...): accepting on this
     *                     channel pauses for {@link AcceptBackoff#PAUSE_NS} and the burst is logged once
     *                     (docs/semantics.md A.2.10).
     */
    void onAcceptable(ServerSocketChannel server, AcceptedConnections connections) throws IOException;
}
