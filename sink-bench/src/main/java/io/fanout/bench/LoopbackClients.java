package io.fanout.bench;

import io.fanout.sink.MultiSocketSink;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * N loopback client sockets added to a sink, drained as fast as possible by one reader thread
 * (one selector), so that the sink's clients stay caught up. For benchmarks only.
 */
final class LoopbackClients implements AutoCloseable
{
    private final List<SocketChannel> channels = new ArrayList<>();
    private final Selector selector;
    private final Thread reader;
    private volatile boolean running = true;
    private volatile long bytesRead;
    private final long[] perClient;
    private final java.util.concurrent.atomic.AtomicLongArray published;

    LoopbackClients(final MultiSocketSink sink, final int count) throws IOException
    {
        selector = Selector.open();
        perClient = new long[count];
        published = new java.util.concurrent.atomic.AtomicLongArray(count);
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), count + 1);
            for (int i = 0; i < count; i++)
            {
                final SocketChannel client = SocketChannel.open(server.getLocalAddress());
                final SocketChannel accepted = server.accept();
                channels.add(client);
                channels.add(accepted);
                client.configureBlocking(false);
                client.register(selector, SelectionKey.OP_READ, i);
                sink.add(accepted);
            }
        }
        reader = new Thread(this::drain, "bench-clients");
        reader.setDaemon(true);
        reader.start();
    }

    long bytesRead()
    {
        return bytesRead;
    }

    /** @return the fewest bytes any client has read (a scan; any thread). */
    long minClientBytes()
    {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < perClient.length; i++)
        {
            min = Math.min(min, published.get(i));
        }
        return perClient.length == 0 ? bytesRead : min;
    }

    private final ByteBuffer scratch = ByteBuffer.allocateDirect(1 << 20);
    private final java.util.function.Consumer<SelectionKey> onKey = this::onKey;

    private void onKey(final SelectionKey key)
    {
        try
        {
            final int index = (Integer)key.attachment();
            while (((SocketChannel)key.channel()).read(scratch.clear()) > 0)
            {
                bytesRead += scratch.position();
                perClient[index] += scratch.position();
            }
            published.lazySet(index, perClient[index]);
        }
        catch (final IOException ex)
        {
            key.cancel();
        }
    }

    private void drain()
    {
        try
        {
            while (running)
            {
                selector.select(onKey, 100);
            }
        }
        catch (final IOException ex)
        {
            // closing
        }
    }

    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            reader.join(5_000);
            selector.close();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final IOException ex)
        {
            // closing anyway
        }
        for (final SocketChannel channel : channels)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
        }
    }
}
