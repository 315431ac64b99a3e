package io.fanout.sink;

import java.net.InetSocketAddress;

/**
 * Hears of every connection a {@link TcpServerSink} refused ({@link TcpServerSink#refusals}), for
 * logs and events: no sink callback runs for a connection that never became a client.
 * <p>
 * Threads: called on the sink's selector thread; it must not block. A throwing listener is logged
 * and the server goes on.
 */
@FunctionalInterface
public interface RefusalListener
{
    /**
     * @param remote the peer's address, or null when it was gone before it could be read.
     * @param reason why it was refused.
     */
    void refused(InetSocketAddress remote, Refusal reason);
}
