package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientSync;
import io.fanout.sink.Handshake;
import io.fanout.sink.Refusal;

import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import java.util.function.BiConsumer;

/**
 * What a listener's {@link AcceptHandler} may do with the connections it accepts: count the
 * connections (in total and per address) for its limits, start a handshake, or add a client. The
 * sink owns every channel handed over here and closes it on removal. Selector thread only.
 */
public final class AcceptedConnections
{
    private final SinkAgent agent;
    private final ClientRegistry registry;
    private final Handshakes handshakes;
    private final AddressCounts addresses;

    AcceptedConnections(final SinkAgent agent, final ClientRegistry registry, final Handshakes handshakes,
        final AddressCounts addresses)
    {
        this.agent = agent;
        this.registry = registry;
        this.handshakes = handshakes;
        this.addresses = addresses;
    }

    /** @return the number of clients, and of accepted connections in their handshake. */
    public int count()
    {
        return registry.size() + handshakes.count();
    }

    /** @return the clients and connections in their handshake from {@code address}. */
    public int from(final InetAddress address)
    {
        return addresses.count(address);
    }

    /**
     * The connection begins its handshake.
     *
     * @param channel    the accepted channel.
     * @param handshake  what decides whether, and how, it becomes a client.
     * @param clientSync its sync settings unless the handshake gives its own.
     * @param remote     the peer's IP address, counted while it is connected, or null.
     * @param refused    why the server refused it already (its request is read, then answered by
     *                   {@link Handshake#onRefused} and closed), or null.
     * @param refusals   counts a refusal the handshake itself decides (an unauthorized request).
     */
    public void handshake(final SocketChannel channel, final Handshake handshake, final ClientSync clientSync,
        final InetAddress remote, final Refusal refused, final BiConsumer<SocketChannel, Refusal> refusals)
    {
        handshakes.begin(channel, handshake, clientSync, remote, refused, refusals, agent.nowMonoNs());
    }

    /**
     * The connection becomes a client.
     *
     * @param channel    the accepted channel.
     * @param clientSync its sync method and burst.
     * @param remote     the peer's IP address, counted while it is connected, or null.
     */
    public void add(final SocketChannel channel, final ClientSync clientSync, final InetAddress remote)
    {
        agent.addAccepted(channel, clientSync, remote);
    }
}
