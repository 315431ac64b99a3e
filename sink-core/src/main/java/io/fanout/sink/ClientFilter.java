package io.fanout.sink;

import java.nio.channels.SocketChannel;

/**
 * Decides, per client, what {@link MultiSocketSink#clientFilter} does with it.
 * Runs on the selector thread: it must not block.
 */
@FunctionalInterface
public interface ClientFilter
{
    /**
     * @param channel the client's channel.
     * @param stats   a snapshot of the client's statistics.
     * @return REMOVE, KEEP or REF.
     */
    FilterResult filter(SocketChannel channel, ClientStats stats);
}
