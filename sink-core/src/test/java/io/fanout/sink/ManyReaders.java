package io.fanout.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import static io.fanout.sink.TestSupport.WAIT;
import static io.fanout.sink.TestSupport.await;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Reads many client channels on one thread (one selector) and checks each stream against the
 * expected bytes as they arrive, keeping only counts: for tests with tens to thousands of clients,
 * where a thread and a copy of the stream per client would not scale. Every channel must receive
 * {@code expected} from its first byte; more bytes than expected, or a different byte, is a
 * failure. Owns the channels: {@link #close()} closes them.
 */
final class ManyReaders implements AutoCloseable
{
    private static final long EOF = -1;

    private final List<SocketChannel> channels;
    private final byte[] expected;
    private final boolean repeat;
    private final Selector selector;
    private final AtomicLongArray received;
    private final AtomicLongArray eofAt;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String failure;

    /**
     * @param channels connected client ends; made non-blocking here.
     * @param expected what each of them must receive, from its first byte.
     * @param name     the reader thread's name.
     */
    ManyReaders(final List<SocketChannel> channels, final byte[] expected, final String name) throws IOException
    {
        this(channels, expected, false, name);
    }

    /**
     * @param channels connected client ends; made non-blocking here.
     * @param expected what each of them must receive, from its first byte.
     * @param repeat   true when the expected stream is {@code expected} repeated without end.
     * @param name     the reader thread's name.
     */
    ManyReaders(final List<SocketChannel> channels, final byte[] expected, final boolean repeat, final String name)
        throws IOException
    {
        this.channels = List.copyOf(channels);
        this.expected = expected;
        this.repeat = repeat;
        this.received = new AtomicLongArray(channels.size());
        this.eofAt = new AtomicLongArray(channels.size());
        this.selector = Selector.open();
        for (int i = 0; i < channels.size(); i++)
        {
            eofAt.set(i, EOF);
            final SocketChannel channel = channels.get(i);
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ, i);
        }
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run()
    {
        final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try
        {
            while (running)
            {
                selector.select(key -> read(key, buffer), 50);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            failure = "reader thread failed: " + ex;
        }
    }

    private void read(final SelectionKey key, final ByteBuffer buffer)
    {
        final int index = (Integer)key.attachment();
        final SocketChannel channel = (SocketChannel)key.channel();
        try
        {
            while (true)
            {
                buffer.clear();
                final int n = channel.read(buffer);
                if (n <= 0)
                {
                    if (n < 0)
                    {
                        eofAt.set(index, received.get(index));
                        key.cancel();
                    }
                    return;
                }
                check(index, buffer.array(), n);
                received.addAndGet(index, n);
            }
        }
        catch (final IOException ex)
        {
            eofAt.set(index, received.get(index)); // a reset ends the stream too
            key.cancel();
        }
    }

    private void check(final int index, final byte[] bytes, final int n)
    {
        final long at = received.get(index);
        if (!repeat && at + n > expected.length)
        {
            failure = "client " + index + " received " + (at + n) + " bytes, more than the " + expected.length + " expected";
            return;
        }
        int done = 0;
        while (done < n)
        {
            final int from = (int)((at + done) % expected.length);
            final int length = Math.min(n - done, expected.length - from);
            final int mismatch = Arrays.mismatch(bytes, done, done + length, expected, from, from + length);
            if (mismatch >= 0)
            {
                failure = "client " + index + ": byte " + (at + done + mismatch) + " differs from the expected stream";
                return;
            }
            done += length;
        }
    }

    /** @return bytes client {@code index} received so far. */
    long received(final int index)
    {
        return received.get(index);
    }

    /** @return the fewest bytes any client received. */
    long minReceived()
    {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < received.length(); i++)
        {
            min = Math.min(min, received.get(i));
        }
        return min;
    }

    /** @return whether client {@code index} read end of stream (or a reset). */
    boolean ended(final int index)
    {
        return eofAt.get(index) != EOF;
    }

    /** @return the first content failure seen, or null. */
    String failure()
    {
        return failure;
    }

    /**
     * Waits until every client has received at least {@code bytes}; a content failure, or a client
     * ending before it, fails at once.
     */
    void awaitEach(final long bytes)
    {
        await(() -> failure != null || minReceived() >= bytes || anyEndedShort(bytes), WAIT,
            () -> "every client to receive " + bytes + " bytes; the slowest has " + minReceived());
        if (failure != null)
        {
            fail(failure);
        }
        if (minReceived() < bytes)
        {
            fail("a client ended after " + minReceived() + " of " + bytes + " bytes");
        }
    }

    /**
     * Producer flow control: parks until every client has received at least {@code bytes} (bounded
     * by {@link TestSupport#WAIT}, then fails).
     */
    void awaitProgress(final long bytes)
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (minReceived() < bytes)
        {
            if (failure != null || System.nanoTime() - deadline > 0)
            {
                fail("flow control: the slowest client has " + minReceived() + " of " + bytes + " bytes; " + failure);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /** Waits until every client read end of stream. */
    void awaitAllEnded()
    {
        await(() ->
        {
            for (int i = 0; i < eofAt.length(); i++)
            {
                if (eofAt.get(i) == EOF)
                {
                    return false;
                }
            }
            return true;
        }, WAIT, () -> "every client to read end of stream");
    }

    private boolean anyEndedShort(final long bytes)
    {
        for (int i = 0; i < eofAt.length(); i++)
        {
            final long at = eofAt.get(i);
            if (at != EOF && at < bytes)
            {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            thread.join(2000);
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
                // best effort
            }
        }
    }
}
