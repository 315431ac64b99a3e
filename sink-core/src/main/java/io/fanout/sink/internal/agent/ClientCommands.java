package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientFilter;
import io.fanout.sink.ClientStats;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.FilterResult;
import io.fanout.sink.internal.ring.BufferRing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests that name clients, carried out on the selector thread: remove and remove-flush,
 * clear, get-stats and the client filter (docs/semantics.md §2.3 to §2.6, §11.3). They reach here
 * as commands from {@link SinkProxy}, or directly from a callback on the selector thread.
 * Selector thread only.
 */
final class ClientCommands
{
    private static final Logger LOG = LoggerFactory.getLogger(ClientCommands.class);

    private final SinkAgent agent;
    private final ClientRegistry registry;
    private final ClientLifecycle lifecycle;
    private final BufferRing ring;

    ClientCommands(final SinkAgent agent, final ClientRegistry registry, final ClientLifecycle lifecycle,
        final BufferRing ring)
    {
        this.agent = agent;
        this.registry = registry;
        this.lifecycle = lifecycle;
        this.ring = ring;
    }

    /**
     * remove ({@code flush == false}: status REMOVED, which also cuts a flush short) or remove-flush
     * (docs/semantics.md §2.4, A.2.7).
     *
     * @param flushSeq the ring head when remove-flush was called: what it must still send.
     */
    void remove(final SocketChannel channel, final boolean flush, final long flushSeq)
    {
        final Client client = registry.get(channel);
        if (client == null || client.removed())
        {
            LOG.debug("remove of a channel that is not a client: {}", channel);
            return;
        }
        if (!flush)
        {
            lifecycle.remove(client, ClientStatus.REMOVED);
            return;
        }
        if (client.status() == ClientStatus.FLUSHING)
        {
            // docs/semantics.md §2.4: remove-flush is accepted only from status OK; a repeated one changes nothing
            LOG.debug("remove-flush of a client already flushing: {}", channel);
            return;
        }
        if (client.state() != ClientState.STREAMING)
        {
            agent.position(client); // buffers rendered before the call may already give it a start
            if (client.removed())
            {
                return;
            }
        }
        client.beginFlush(flushSeq);
        if (client.state() != ClientState.STREAMING || (!client.midBuffer() && client.next > flushSeq))
        {
            lifecycle.remove(client, ClientStatus.FLUSHING); // nothing pending: at once (docs/semantics.md A.2.7)
        }
    }

    /** clear: every client removed with {@code status}, newest added first, as multihandlesink's. */
    void clear(final ClientStatus status)
    {
        final Client[] all = registry.snapshot();
        for (int i = all.length - 1; i >= 0; i--)
        {
            lifecycle.remove(all[i], status);
        }
    }

    /** get-stats: @return a snapshot of the client's statistics, or null when it is not a client. */
    ClientStats stats(final SocketChannel channel)
    {
        final Client client = registry.get(channel);
        return client == null ? null : Snapshots.client(ring, client);
    }

    /**
     * Runs {@code filter} over every client, removing (REMOVED) those it says REMOVE.
     *
     * @return the channels the filter said REF to.
     */
    List<SocketChannel> filter(final ClientFilter filter)
    {
        final List<SocketChannel> refs = new ArrayList<>();
        for (final Client client : registry.snapshot())
        {
            if (client.removed())
            {
                continue;
            }
            final FilterResult result = filter.filter(client.channel, Snapshots.client(ring, client));
            if (result == FilterResult.REMOVE)
            {
                lifecycle.remove(client, ClientStatus.REMOVED);
            }
            else if (result == FilterResult.REF)
            {
                refs.add(client.channel);
            }
        }
        return refs;
    }
}
