package io.fanout.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Connected TCP socket pairs on 127.0.0.1 (and nothing else), made through one listening socket
 * on an ephemeral port. Closes every end it made, and the listener, in {@link #close()}.
 * <p>
 * Threads: not thread-safe; make pairs and close from one thread at a time (typically the test's
 * or the benchmark's setup thread). {@link #pair} blocks until the kernel completed the connection
 * (microseconds on loopback).
 */
public final class LoopbackPairs implements AutoCloseable
{
    /** The address every pair is made on: loopback only. */
    public static final String HOST = "127.0.0.1";

    /**
     * A connected pair, both ends blocking as made.
     *
     * @param client the connecting end: the one a test or benchmark reads.
     * @param server the accepted end: the one handed to the code under test (a sink's client).
     */
    public record Pair(SocketChannel client, SocketChannel server)
    {
    }

    private final ServerSocketChannel listener;
    private final List<SocketChannel> opened = new ArrayList<>();

    /**
     * Binds the listener to an ephemeral port on {@link #HOST}.
     *
     * @throws IOException when the listener cannot be opened or bound.
     */
    public LoopbackPairs() throws IOException
    {
        listener = ServerSocketChannel.open();
        try
        {
            listener.bind(new InetSocketAddress(HOST, 0));
        }
        catch (final IOException ex)
        {
            listener.close();
            throw ex;
        }
    }

    /**
     * @return a connected pair with the system's default socket buffers.
     * @throws IOException when connecting or accepting fails.
     */
    public Pair pair() throws IOException
    {
        return pair(-1, -1);
    }

    /**
     * @param clientRcvBuf SO_RCVBUF of the client end in bytes, set before connecting; -1 (or 0)
     *                     for the default.
     * @param serverSndBuf SO_SNDBUF of the accepted end in bytes; -1 (or 0) for the default.
     * @return a connected pair; both ends blocking.
     * @throws IOException when connecting or accepting fails.
     */
    public Pair pair(final int clientRcvBuf, final int serverSndBuf) throws IOException
    {
        final SocketChannel client = SocketChannel.open();
        opened.add(client);
        if (clientRcvBuf > 0)
        {
            client.setOption(StandardSocketOptions.SO_RCVBUF, clientRcvBuf);
        }
        client.connect(listener.getLocalAddress());
        final SocketChannel server = listener.accept();
        opened.add(server);
        if (serverSndBuf > 0)
        {
            server.setOption(StandardSocketOptions.SO_SNDBUF, serverSndBuf);
        }
        return new Pair(client, server);
    }

    /**
     * @param count how many pairs.
     * @return {@code count} connected pairs with default socket buffers, in the order made.
     * @throws IOException when connecting or accepting fails.
     */
    public List<Pair> pairs(final int count) throws IOException
    {
        final List<Pair> pairs = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            pairs.add(pair());
        }
        return pairs;
    }

    /**
     * @param pairs pairs.
     * @return their client ends, in the same order.
     */
    public static List<SocketChannel> clients(final List<Pair> pairs)
    {
        return pairs.stream().map(Pair::client).toList();
    }

    /** Closes every end made here (best effort, newest first), then the listener; idempotent. */
    @Override
    public void close()
    {
        for (int i = opened.size() - 1; i >= 0; i--)
        {
            closeQuietly(opened.get(i));
        }
        opened.clear();
        closeQuietly(listener);
    }

    static void closeQuietly(final AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (final Exception ex)
        {
            // best effort
        }
    }
}
