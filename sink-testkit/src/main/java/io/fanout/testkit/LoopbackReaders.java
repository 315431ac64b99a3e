package io.fanout.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Reads many connected client channels on one thread (one selector), counting the bytes of each
 * and checking them as they arrive, keeping only counts: for tests and benchmarks with tens to
 * thousands of clients, where a thread and a copy of the stream per client would not scale.
 * <p>
 * <b>Threads.</b> {@link Builder#start} starts one daemon thread, named as given, which alone
 * reads the channels and runs the {@link Check}. Every other method may be called from any
 * thread: the counts are published with ordered writes after each chunk was checked, so a
 * count seen covers only checked bytes, and {@link #totalReceived()} read after any per-channel
 * count covers it. The {@code await} methods block the calling thread (short parks, no sleeps as
 * synchronisation) until their condition holds, or throw an {@link AssertionError} once the
 * timeout given to the builder passes; {@link #close()} stops the thread.
 * <p>
 * <b>Units.</b> Counts and offsets are bytes, from the first byte each channel received;
 * channels are named by their index in the list given to {@link Builder#start}; timeouts are
 * {@link Duration}s.
 * <p>
 * <b>End of stream.</b> A channel that reads end of stream, or fails (a reset ends a stream
 * too), is ended: its count stops there and it is no longer read.
 * <p>
 * <b>Failures.</b> A {@link Check} that reports a problem, or the reader thread failing, is a
 * failure: {@link #failure()} keeps the first one's description and {@link #failures()} counts
 * them all. Reading goes on after a failure.
 * <p>
 * Owns the channels: {@link #close()} closes them.
 */
public final class LoopbackReaders implements AutoCloseable
{
    /** The default timeout of the {@code await} methods. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** The default size of the read buffer, in bytes. */
    public static final int DEFAULT_BUFFER_BYTES = 64 * 1024;

    private static final long NOT_ENDED = -1;
    private static final long SELECT_TIMEOUT_MS = 50;
    private static final long AWAIT_PARK_NS = 500_000;
    private static final long PROGRESS_PARK_NS = 50_000;

    /**
     * What a channel must receive, checked chunk by chunk on the reader thread as it arrives.
     * Implementations may keep state per channel without synchronisation: they are called by the
     * reader thread only, in the order each channel's bytes arrived.
     */
    @FunctionalInterface
    public interface Check
    {
        /**
         * @param channel the channel's index.
         * @param offset  how many bytes the channel received before this chunk.
         * @param chunk   the bytes just read, from its position (0) to its limit; valid during
         *                the call only (the buffer is reused). The check may move its position.
         * @return null when the chunk is as expected; otherwise what is wrong, for a failure
         *         message (one failure per chunk).
         */
        String check(int channel, long offset, ByteBuffer chunk);

        /** @return a check that accepts any bytes: counting only. */
        static Check none()
        {
            return (channel, offset, chunk) -> null;
        }

        /**
         * @param expected what each channel must receive from its first byte: a different byte,
         *                 or any byte past its end, is a failure.
         * @return the check.
         */
        static Check exactly(final byte[] expected)
        {
            return (channel, offset, chunk) ->
            {
                final long end = offset + chunk.remaining();
                if (end > expected.length)
                {
                    return "channel " + channel + " received " + end + " bytes, more than the " + expected.length +
                        " expected";
                }
                return mismatch(expected, channel, offset, chunk);
            };
        }

        /**
         * @param pattern what each channel must receive from its first byte, repeated without end
         *                (not empty).
         * @return the check.
         */
        static Check repeating(final byte[] pattern)
        {
            if (pattern.length == 0)
            {
                throw new IllegalArgumentException("an empty pattern cannot repeat");
            }
            return (channel, offset, chunk) -> mismatch(pattern, channel, offset, chunk);
        }

        private static String mismatch(final byte[] pattern, final int channel, final long offset, final ByteBuffer chunk)
        {
            final int n = chunk.remaining();
            int done = 0;
            while (done < n)
            {
                final int from = (int)((offset + done) % pattern.length);
                final int length = Math.min(n - done, pattern.length - from);
                final int at = chunk.slice(chunk.position() + done, length).mismatch(ByteBuffer.wrap(pattern, from, length));
                if (at >= 0)
                {
                    return "channel " + channel + ": byte " + (offset + done + at) + " differs from the expected stream";
                }
                done += length;
            }
            return null;
        }
    }

    /**
     * @param threadName the reader thread's name.
     * @return a builder: counting only, {@link #DEFAULT_BUFFER_BYTES}, {@link #DEFAULT_TIMEOUT}.
     */
    public static Builder builder(final String threadName)
    {
        return new Builder(threadName);
    }

    /** Options of a {@link LoopbackReaders}; {@link #start} makes one. Not thread-safe. */
    public static final class Builder
    {
        private final String threadName;
        private Check check = Check.none();
        private int bufferBytes = DEFAULT_BUFFER_BYTES;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder(final String threadName)
        {
            this.threadName = threadName;
        }

        /**
         * @param check what each channel must receive (default {@link Check#none()}).
         * @return this.
         */
        public Builder check(final Check check)
        {
            this.check = check;
            return this;
        }

        /**
         * @param bytes the size of the reader thread's one (direct) read buffer: the largest chunk
         *              a {@link Check} sees.
         * @return this.
         */
        public Builder bufferBytes(final int bytes)
        {
            if (bytes <= 0)
            {
                throw new IllegalArgumentException("bufferBytes must be positive: " + bytes);
            }
            this.bufferBytes = bytes;
            return this;
        }

        /**
         * @param timeout how long each {@code await} method waits before it fails.
         * @return this.
         */
        public Builder timeout(final Duration timeout)
        {
            this.timeout = timeout;
            return this;
        }

        /**
         * Makes the channels non-blocking, registers them and starts the reader thread.
         *
         * @param channels connected channels, each read from its first byte; index {@code i} in
         *                 this list is channel {@code i} everywhere else.
         * @return the running readers, owning the channels.
         * @throws IOException when the selector cannot be opened or a channel registered (the
         *                     selector is closed again; the channels are not).
         */
        public LoopbackReaders start(final List<SocketChannel> channels) throws IOException
        {
            final LoopbackReaders readers = new LoopbackReaders(this, channels);
            readers.thread.start();
            return readers;
        }
    }

    private final List<SocketChannel> channels;
    private final Check check;
    private final Duration timeout;
    private final ByteBuffer buffer;
    private final Selector selector;
    private final AtomicLongArray received;
    private final AtomicLongArray endedAt;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicLong failures = new AtomicLong();
    private final Thread thread;
    /** Bytes of every channel together; written by the reader thread only. */
    private final AtomicLong total = new AtomicLong();
    private volatile boolean running = true;

    private LoopbackReaders(final Builder builder, final List<SocketChannel> channels) throws IOException
    {
        this.channels = List.copyOf(channels);
        this.check = builder.check;
        this.timeout = builder.timeout;
        this.buffer = ByteBuffer.allocateDirect(builder.bufferBytes);
        this.received = new AtomicLongArray(this.channels.size());
        this.endedAt = new AtomicLongArray(this.channels.size());
        this.selector = Selector.open();
        try
        {
            for (int i = 0; i < this.channels.size(); i++)
            {
                endedAt.set(i, NOT_ENDED);
                final SocketChannel channel = this.channels.get(i);
                channel.configureBlocking(false);
                channel.register(selector, SelectionKey.OP_READ, i);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            selector.close();
            throw ex;
        }
        this.thread = new Thread(this::run, builder.threadName);
        thread.setDaemon(true);
    }

    private void run()
    {
        try
        {
            while (running)
            {
                selector.select(this::read, SELECT_TIMEOUT_MS);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            if (running)
            {
                fail("reader thread failed: " + ex);
            }
        }
    }

    private void read(final SelectionKey key)
    {
        final int index = (Integer)key.attachment();
        final SocketChannel channel = (SocketChannel)key.channel();
        try
        {
            while (true)
            {
                final int n = channel.read(buffer.clear());
                if (n <= 0)
                {
                    if (n < 0)
                    {
                        end(key, index);
                    }
                    return;
                }
                final long offset = received.get(index);
                final String problem = check.check(index, offset, buffer.flip());
                if (problem != null)
                {
                    fail(problem);
                }
                // one writer: ordered (release) stores, the total first, so that it covers every count seen
                total.lazySet(total.get() + n);
                received.lazySet(index, offset + n);
            }
        }
        catch (final IOException ex)
        {
            end(key, index); // a reset ends the stream too
        }
    }

    private void end(final SelectionKey key, final int index)
    {
        endedAt.set(index, received.get(index));
        key.cancel();
    }

    private void fail(final String problem)
    {
        failure.compareAndSet(null, problem);
        failures.incrementAndGet();
    }

    /** @return how many channels are read. */
    public int size()
    {
        return channels.size();
    }

    /**
     * @param channel a channel's index.
     * @return bytes that channel received (and passed to the check) so far.
     */
    public long received(final int channel)
    {
        return received.get(channel);
    }

    /** @return the fewest bytes any channel received so far; Long.MAX_VALUE when there are none. */
    public long minReceived()
    {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < received.length(); i++)
        {
            min = Math.min(min, received.get(i));
        }
        return min;
    }

    /** @return bytes all channels received so far, together (one volatile read). */
    public long totalReceived()
    {
        return total.get();
    }

    /**
     * @param channel a channel's index.
     * @return whether that channel read end of stream (or failed).
     */
    public boolean ended(final int channel)
    {
        return endedAt.get(channel) != NOT_ENDED;
    }

    /** @return whether every channel read end of stream (or failed). */
    public boolean allEnded()
    {
        for (int i = 0; i < endedAt.length(); i++)
        {
            if (endedAt.get(i) == NOT_ENDED)
            {
                return false;
            }
        }
        return true;
    }

    /** @return the first failure's description (a check's problem or the reader thread's), or null. */
    public String failure()
    {
        return failure.get();
    }

    /** @return how many failures there were: chunks a check rejected, and the reader thread failing. */
    public long failures()
    {
        return failures.get();
    }

    /**
     * Waits until every channel received at least {@code bytes}; a failure, or a channel ending
     * before it, fails at once.
     *
     * @param bytes bytes per channel.
     * @throws AssertionError on a failure, a short end of stream, or the timeout.
     */
    public void awaitEach(final long bytes)
    {
        awaitUntil(() -> failure() != null || minReceived() >= bytes || anyEndedBefore(bytes), AWAIT_PARK_NS,
            () -> "every channel to receive " + bytes + " bytes; the slowest has " + minReceived());
        if (failure() != null)
        {
            throw new AssertionError(failure());
        }
        if (minReceived() < bytes)
        {
            throw new AssertionError("a channel ended after " + minReceived() + " of " + bytes + " bytes");
        }
    }

    /**
     * Flow control for a producer: returns as soon as every channel received at least
     * {@code bytes} (polled every 50 µs, so that a producer keeps close behind its readers).
     *
     * @param bytes bytes per channel.
     * @throws AssertionError when a failure is seen before, or on the timeout.
     */
    public void awaitProgress(final long bytes)
    {
        if (minReceived() >= bytes)
        {
            return;
        }
        awaitUntil(() -> minReceived() >= bytes || failure() != null, PROGRESS_PARK_NS,
            () -> "flow control: the slowest channel to have " + bytes + " bytes (has " + minReceived() + ")");
        if (minReceived() < bytes)
        {
            throw new AssertionError("flow control: the slowest channel has " + minReceived() + " of " + bytes +
                " bytes; " + failure());
        }
    }

    /**
     * Waits until every channel read end of stream (or failed).
     *
     * @throws AssertionError on the timeout.
     */
    public void awaitAllEnded()
    {
        awaitUntil(this::allEnded, AWAIT_PARK_NS, () -> "every channel to read end of stream");
    }

    private boolean anyEndedBefore(final long bytes)
    {
        for (int i = 0; i < endedAt.length(); i++)
        {
            final long at = endedAt.get(i);
            if (at != NOT_ENDED && at < bytes)
            {
                return true;
            }
        }
        return false;
    }

    private void awaitUntil(final BooleanSupplier condition, final long parkNanos, final Supplier<String> what)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for: " + what.get());
            }
            LockSupport.parkNanos(parkNanos);
        }
    }

    /**
     * Stops the reader thread (waiting at most 2 s for it), closes the selector and every
     * channel; idempotent. Any thread but the reader thread.
     */
    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            thread.join(2_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        LoopbackPairs.closeQuietly(selector);
        for (final SocketChannel channel : channels)
        {
            LoopbackPairs.closeQuietly(channel);
        }
    }
}
