package io.fanout.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * {@code --source tcp://host:port}: the input read from an upstream sink instead of standard input,
 * so that sinks chain into a fan-out tree. When the upstream closes or fails, the channel
 * reconnects with exponential backoff ({@link #MIN_BACKOFF_NS} doubling to {@link #MAX_BACKOFF_NS})
 * and calls {@code onReconnect} first, so the framer drops any partial unit; it never reports end
 * of input by itself (the CLI ends on a signal). Reads block; {@link #close()} from another thread
 * ends them with {@link AsynchronousCloseException}. Read by one thread.
 */
final class UpstreamChannel implements ReadableByteChannel
{
    static final long MIN_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_BACKOFF_NS = TimeUnit.SECONDS.toNanos(5);

    private final InetSocketAddress address;
    private final Runnable onReconnect;
    private final PrintStream err;
    private volatile SocketChannel channel;
    private long backoffNs = MIN_BACKOFF_NS;
    private volatile boolean open = true;
    private final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    private long connects;

    UpstreamChannel(final InetSocketAddress address, final Runnable onReconnect, final PrintStream err)
    {
        this.address = address;
        this.onReconnect = onReconnect;
        this.err = err;
    }

    /**
     * @param uri {@code tcp://host:port}.
     * @return the address.
     * @throws IllegalArgumentException for anything else.
     */
    static InetSocketAddress parse(final String uri)
    {
        final URI parsed;
        try
        {
            parsed = new URI(uri);
        }
        catch (final java.net.URISyntaxException ex)
        {
            throw new IllegalArgumentException("'" + uri + "' is not tcp://host:port");
        }
        if (!"tcp".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() < 1 ||
            parsed.getPort() > 65535 || (parsed.getPath() != null && !parsed.getPath().isEmpty()))
        {
            throw new IllegalArgumentException("'" + uri + "' is not tcp://host:port");
        }
        return new InetSocketAddress(parsed.getHost(), parsed.getPort());
    }

    /** @return successful connections so far. */
    long connects()
    {
        return connects;
    }

    @Override
    public int read(final ByteBuffer dst) throws IOException
    {
        while (open)
        {
            if (channel == null)
            {
                connect();
                continue;
            }
            try
            {
                final int n = channel.read(dst);
                if (n >= 0)
                {
                    return n;
                }
                err.println("sink-cli: upstream " + address + " closed; reconnecting");
            }
            catch (final AsynchronousCloseException ex)
            {
                throw ex;
            }
            catch (final IOException ex)
            {
                if (!open)
                {
                    throw new AsynchronousCloseException();
                }
                err.println("sink-cli: upstream " + address + " failed (" + ex.getMessage() + "); reconnecting");
            }
            closeChannel();
            onReconnect.run();
        }
        return -1;
    }

    private void connect() throws IOException
    {
        try
        {
            channel = SocketChannel.open(address);
            connects++;
            backoffNs = MIN_BACKOFF_NS;
            err.println("sink-cli: reading from upstream tcp://" + address.getHostString() + ":" + address.getPort());
        }
        catch (final AsynchronousCloseException ex)
        {
            throw ex;
        }
        catch (final IOException ex)
        {
            channel = null;
            try
            {
                // backoff between reconnection attempts; close() ends it at once
                if (closed.await(backoffNs, TimeUnit.NANOSECONDS))
                {
                    throw new AsynchronousCloseException();
                }
            }
            catch (final InterruptedException interrupted)
            {
                Thread.currentThread().interrupt();
                throw new ClosedByInterruptException();
            }
            backoffNs = Math.min(MAX_BACKOFF_NS, backoffNs * 2);
        }
    }

    private void closeChannel()
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ex)
            {
                // reconnecting anyway
            }
            channel = null;
        }
    }

    @Override
    public boolean isOpen()
    {
        return open;
    }

    @Override
    public void close()
    {
        open = false;
        closed.countDown();
        final SocketChannel current = channel;
        if (current != null)
        {
            try
            {
                current.close(); // wakes a read blocked in it
            }
            catch (final IOException ex)
            {
                // closing anyway
            }
        }
    }
}
