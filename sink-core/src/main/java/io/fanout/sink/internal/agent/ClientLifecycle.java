package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SinkConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * How a client comes and goes: the add (non-blocking, qos-dscp, registered for reads, clientAdded)
 * and the removal procedure in the reference's order (docs/semantics.md §2.10): the key is
 * cancelled, the client leaves its list, the status is counted, clientRemoved runs, the channel is
 * closed when the sink owns it, and clientSocketRemoved runs last. It also classifies failures
 * (docs/semantics.md A.2.6). Selector thread only.
 */
final class ClientLifecycle
{
    private static final Logger LOG = LoggerFactory.getLogger(ClientLifecycle.class);

    private final SinkConfig config;
    private final Selector selector;
    private final ClientRegistry registry;
    private final SyncEngine sync;
    private final StalledClients stalled;
    private final Listeners listeners;
    private final WallClock wallClock;
    private final AddressCounts addresses;

    ClientLifecycle(
        final SinkConfig config,
        final Selector selector,
        final ClientRegistry registry,
        final SyncEngine sync,
        final StalledClients stalled,
        final Listeners listeners,
        final WallClock wallClock,
        final AddressCounts addresses)
    {
        this.config = config;
        this.selector = selector;
        this.registry = registry;
        this.sync = sync;
        this.stalled = stalled;
        this.listeners = listeners;
        this.wallClock = wallClock;
        this.addresses = addresses;
    }

    /**
     * Adds a client: registered for reads, in no list yet, clientAdded called.
     *
     * @param channel     a connected channel.
     * @param ownsChannel true when the sink closes the channel on removal (tcpserversink).
     * @param clientSync  its sync method and burst.
     * @param addSeq      the ring head when the add was requested.
     * @param remote      the peer's IP address when a listener accepted it (counted until removal), else null.
     * @return the new client, to be positioned; null when it was refused (DUPLICATE) or failed to
     * register (removed already, with its status).
     */
    Client add(
        final SocketChannel channel,
        final boolean ownsChannel,
        final ClientSync clientSync,
        final long addSeq,
        final InetAddress remote)
    {
        if (registry.contains(channel))
        {
            registry.countDuplicate();
            listeners.clientRemoved(channel, ClientStatus.DUPLICATE);
            return null;
        }
        final long now = System.nanoTime();
        final Client client = new Client(channel, ownsChannel, clientSync, addSeq, wallClock.wallNs(now), now);
        registry.add(client);
        client.remoteAddress = remote;
        addresses.add(remote);
        sync.clientAdded(client);
        Exception failure = null;
        try
        {
            channel.configureBlocking(false);
            applyQos(channel);
            final SelectionKey stale = channel.keyFor(selector);
            if (stale != null && !stale.isValid())
            {
                selector.selectNow(); // flush the cancelled key of an earlier add of this channel
            }
            client.key = channel.register(selector, SelectionKey.OP_READ, client);
        }
        catch (final IOException | RuntimeException ex)
        {
            failure = ex;
        }
        listeners.clientAdded(channel);
        if (failure != null)
        {
            fail(client, failure);
            return null;
        }
        return client.removed() ? null : client; // a clientAdded callback may have removed it
    }

    /** The removal procedure of docs/semantics.md §2.10, with the callbacks in order. Idempotent. */
    void remove(final Client client, final ClientStatus status)
    {
        final long now = System.nanoTime();
        if (!client.markRemoved(status, now, wallClock.wallNs(now)))
        {
            return;
        }
        if (client.key != null)
        {
            client.key.cancel();
        }
        stalled.removed(client);
        addresses.remove(client.remoteAddress);
        registry.remove(client);
        sync.clientRemoved(client);
        listeners.clientRemoved(client.channel, status);
        registry.forget(client);
        if (client.ownsChannel)
        {
            try
            {
                client.channel.close();
            }
            catch (final IOException ex)
            {
                LOG.debug("closing {} failed", client.channel, ex);
            }
        }
        listeners.clientSocketRemoved(client.channel);
    }

    /**
     * docs/semantics.md A.2.6: a channel the application closed behind the sink's back is the peer
     * gone (CLOSED). Closing a channel cancels its key, so a client waiting for OP_WRITE would never
     * hear of it (nor would a caught-up or waiting one on a quiet stream): every client is checked
     * here, at most {@link SinkAgent#SWEEP_INTERVAL_NS} after the close. No allocation.
     */
    void sweepClosedChannels()
    {
        sweepClosedChannels(registry.lagging());
        sweepClosedChannels(registry.caughtUp());
        sweepClosedChannels(registry.pending());
    }

    private void sweepClosedChannels(final ClientList list)
    {
        for (int i = list.size() - 1; i >= 0; i--)
        {
            if (i < list.size() && !list.get(i).key.isValid())
            {
                remove(list.get(i), ClientStatus.CLOSED);
            }
        }
    }

    /** A read or write failed: the client is removed CLOSED or ERROR (docs/semantics.md A.2.6). */
    void fail(final Client client, final Exception ex)
    {
        final ClientStatus status =
            ex instanceof IOException && isPeerGone((IOException)ex) ? ClientStatus.CLOSED : ClientStatus.ERROR;
        LOG.debug("client {} removed {}: {}", client.channel, status, ex.toString());
        remove(client, status);
    }

    /**
     * docs/semantics.md A.2.6: a reset, a broken pipe, or a channel closed behind the sink's back is
     * the peer gone (CLOSED); anything else is ERROR.
     */
    static boolean isPeerGone(final IOException ex)
    {
        if (ex instanceof ClosedChannelException)
        {
            return true;
        }
        final String message = ex.getMessage();
        return message != null &&
            (message.contains("Connection reset") || message.contains("Broken pipe") ||
            message.contains("connection was aborted") || message.contains("Connection aborted"));
    }

    private void applyQos(final SocketChannel channel) throws IOException
    {
        final int dscp = config.qosDscp();
        if (dscp < 0)
        {
            return;
        }
        try
        {
            // the DSCP is the upper six bits of the TOS byte; on an IPv6 socket the JDK sets IPV6_TCLASS
            channel.setOption(StandardSocketOptions.IP_TOS, dscp << 2);
        }
        catch (final UnsupportedOperationException ex)
        {
            LOG.debug("qos-dscp not supported on {}", channel, ex);
        }
    }
}
