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

    LoopbackClients(final MultiSocketSink sink, final int count) throws IOException
    {
        selector = Selector.open();
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
                client.register(selector, SelectionKey.OP_READ);
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

    private void drain()
    {
        final ByteBuffer scratch = ByteBuffer.allocateDirect(1 << 20);
        try
        {
            while (running)
            {
                selector.select(key ->
                {
                    try
                    {
                        while (((SocketChannel)key.channel()).read(scratch.clear()) > 0)
                        {
                            bytesRead += scratch.position();
                        }
                    }
                    catch (final IOException ex)
                    {
                        key.cancel();
                    }
                }, 100);
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
