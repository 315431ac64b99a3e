package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientSync;
import io.fanout.sink.Handshake;
import io.fanout.sink.HandshakeFailure;
import io.fanout.sink.HandshakeResult;
import io.fanout.sink.Refusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Accepted connections in their {@link Handshake}: each is registered for reads with a
 * {@link Connection} attached; its request is read into a bounded buffer and handed to the
 * handshake, whose {@link HandshakeResult} is carried out here: write the response, then add the
 * connection as a client (the same selection key, re-attached) or close it. Connections that take
 * longer than the handshake's timeout are expired. Selector thread only.
 */
final class Handshakes
{
    private static final Logger LOG = LoggerFactory.getLogger(Handshakes.class);

    private final Selector selector;
    private final AddressCounts addresses;
    private final List<Connection> connections = new ArrayList<>();

    Handshakes(final Selector selector, final AddressCounts addresses)
    {
        this.selector = selector;
        this.addresses = addresses;
    }

    /** @return the connections in their handshake. */
    int count()
    {
        return connections.size();
    }

    /**
     * An accepted connection begins its handshake.
     *
     * @param channel    the accepted channel (the sink owns it).
     * @param handshake  what decides.
     * @param clientSync the sync settings when the handshake adds it with none of its own.
     * @param remote     the peer's IP address (counted while the handshake lasts), or null.
     * @param refused    why the server refused it already (its request is read, then answered by
     *                   {@link Handshake#onRefused}), or null.
     * @param refusals   counts a refusal the handshake itself decides.
     * @param nowMonoNs  the monotonic clock now.
     */
    void begin(final SocketChannel channel, final Handshake handshake, final ClientSync clientSync,
        final InetAddress remote, final Refusal refused, final BiConsumer<SocketChannel, Refusal> refusals,
        final long nowMonoNs)
    {
        final Connection connection = new Connection(channel, handshake, clientSync, remote, refused, refusals,
            nowMonoNs + handshake.timeoutNs());
        try
        {
            channel.configureBlocking(false);
            connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
            connections.add(connection);
            addresses.add(remote);
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.debug("a connection failed before its handshake: {}", ex.toString());
            closeQuietly(channel);
        }
    }

    /** The connection's key is readable: read, and let the handshake decide. */
    void read(final Connection connection, final SinkAgent agent)
    {
        final int n;
        try
        {
            n = connection.channel.read(connection.request);
        }
        catch (final IOException ex)
        {
            incomplete(connection, HandshakeFailure.CLOSED, agent);
            return;
        }
        if (n > 0)
        {
            final ByteBuffer view = connection.request.duplicate().flip().asReadOnlyBuffer();
            final HandshakeResult result = connection.handshake.onRequest(connection.channel, view);
            if (result.kind() != HandshakeResult.Kind.NEED_MORE)
            {
                finish(connection, result, agent);
                return;
            }
        }
        if (n < 0)
        {
            incomplete(connection, HandshakeFailure.CLOSED, agent);
        }
        else if (!connection.request.hasRemaining())
        {
            incomplete(connection, HandshakeFailure.TOO_LARGE, agent);
        }
    }

    /**
     * Connections past their deadline get {@link HandshakeFailure#TIMEOUT}.
     *
     * @return the number expired.
     */
    int expire(final long nowMonoNs, final SinkAgent agent)
    {
        int expired = 0;
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            if (i < connections.size() && nowMonoNs - connections.get(i).deadlineNs > 0)
            {
                final Connection connection = connections.get(i);
                incomplete(connection, HandshakeFailure.TIMEOUT, agent);
                expired++;
            }
        }
        return expired;
    }

    /** Shutdown: every connection still in its handshake is closed. */
    void closeAll()
    {
        for (final Connection connection : connections)
        {
            closeQuietly(connection.channel);
        }
        connections.clear();
    }

    private void incomplete(final Connection connection, final HandshakeFailure failure, final SinkAgent agent)
    {
        finish(connection, connection.handshake.onIncomplete(connection.channel, failure), agent);
    }

    private void finish(final Connection connection, final HandshakeResult decided, final SinkAgent agent)
    {
        HandshakeResult result = decided;
        if (connection.refused != null)
        {
            result = connection.handshake.onRefused(connection.channel, connection.refused);
            if (result != null && result.kind() == HandshakeResult.Kind.ADD)
            {
                result = HandshakeResult.close(result.response()); // refused means closed
            }
        }
        else if (result != null && result.refusal() != null)
        {
            connection.refusals.accept(connection.channel, result.refusal());
        }
        connections.remove(connection);
        addresses.remove(connection.remote); // a client added below is counted again as a client
        final boolean add = result != null && result.kind() == HandshakeResult.Kind.ADD;
        try
        {
            final ByteBuffer response = result == null || result.response() == null ? null : result.response().duplicate();
            if (response != null)
            {
                connection.channel.write(response); // a fresh socket takes a short response whole
                if (response.hasRemaining() && add)
                {
                    throw new IOException("the response did not fit the socket's send buffer");
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.debug("answering a handshake failed: {}", ex.toString());
            connection.key.cancel();
            closeQuietly(connection.channel);
            return;
        }
        if (add)
        {
            // the same key is re-attached to the client when it registers: no cancel, no re-register
            agent.addAccepted(connection.channel, result.sync() != null ? result.sync() : connection.clientSync,
                connection.remote);
        }
        else
        {
            connection.key.cancel();
            closeQuietly(connection.channel);
        }
    }

    private static void closeQuietly(final SocketChannel channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            LOG.debug("closing a connection failed", ex);
        }
    }

    /** A connection in its handshake. */
    static final class Connection
    {
        final SocketChannel channel;
        final Handshake handshake;
        final ClientSync clientSync;
        final InetAddress remote;
        final Refusal refused;
        final BiConsumer<SocketChannel, Refusal> refusals;
        final long deadlineNs;
        final ByteBuffer request;
        SelectionKey key;

        Connection(final SocketChannel channel, final Handshake handshake, final ClientSync clientSync,
            final InetAddress remote, final Refusal refused, final BiConsumer<SocketChannel, Refusal> refusals,
            final long deadlineNs)
        {
            this.remote = remote;
            this.refused = refused;
            this.refusals = refusals;
            this.channel = channel;
            this.handshake = handshake;
            this.clientSync = clientSync;
            this.deadlineNs = deadlineNs;
            this.request = ByteBuffer.allocate(handshake.maxRequestBytes());
        }
    }
}
