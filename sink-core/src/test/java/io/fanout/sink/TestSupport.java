package io.fanout.sink;

import io.fanout.testkit.LoopbackPairs;
import io.fanout.testkit.LoopbackReaders;
import io.fanout.testkit.LoopbackReaders.Check;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Shared helpers of the sink tests: waiting for a condition with a deadline, loopback socket
 * pairs, reader threads, a recording listener and deterministic payloads. No test synchronises
 * with a sleep: every wait is for a condition, bounded by a deadline.
 */
final class TestSupport
{
    /** The longest any single condition is waited for. */
    static final Duration WAIT = Duration.ofSeconds(8);
    /** The selector thread's name, as documented by MultiSocketSink. */
    static final Pattern SELECTOR_THREAD = Pattern.compile("fanout-selector-\\d+");
    /** Loopback, and nothing else. */
    static final String HOST = LoopbackPairs.HOST;

    private TestSupport()
    {
    }

    /**
     * Polls {@code condition} (with short parks) until it holds or {@code timeout} passed.
     *
     * @param condition the condition.
     * @param timeout   the deadline.
     * @param message   what was waited for, evaluated on failure.
     */
    static void await(final BooleanSupplier condition, final Duration timeout, final Supplier<String> message)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("timed out after " + timeout.toMillis() + " ms waiting for: " + message.get());
            }
            LockSupport.parkNanos(500_000);
        }
    }

    static void await(final BooleanSupplier condition, final Supplier<String> message)
    {
        await(condition, WAIT, message);
    }

    // ------------------------------------------------------------------------------------------
    // payloads
    // ------------------------------------------------------------------------------------------

    /**
     * Deterministic payloads: sizes 1..maxSize, random contents, each starting with its index so
     * that no two are alike.
     */
    static List<byte[]> payloads(final long seed, final int count, final int maxSize)
    {
        final Random random = new Random(seed);
        final List<byte[]> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final byte[] b = new byte[1 + random.nextInt(maxSize)];
            random.nextBytes(b);
            for (int k = 0; k < 4 && k < b.length; k++)
            {
                b[k] = (byte)(i >>> (8 * k));
            }
            list.add(b);
        }
        return list;
    }

    /** Payloads of one fixed size. */
    static List<byte[]> fixedPayloads(final long seed, final int count, final int size)
    {
        final Random random = new Random(seed);
        final List<byte[]> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final byte[] b = new byte[size];
            random.nextBytes(b);
            list.add(b);
        }
        return list;
    }

    /** @return the ASCII bytes of {@code text}. */
    static byte[] ascii(final String text)
    {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * A payload of {@code size} ASCII bytes that names its id: {@code "[buffer-007]"} repeated and
     * cut to size (at least 12 bytes, so that every payload is distinct and readable in a failure).
     */
    static byte[] tagged(final int id, final int size)
    {
        if (size < 12)
        {
            throw new IllegalArgumentException("tagged payloads are at least 12 bytes");
        }
        final String tag = String.format("[buffer-%03d]", id);
        final StringBuilder text = new StringBuilder(size + tag.length());
        while (text.length() < size)
        {
            text.append(tag);
        }
        return ascii(text.substring(0, size));
    }

    /** The concatenation of {@code tagged(id, size)} for every id from {@code first} to {@code last}. */
    static byte[] taggedRange(final int first, final int last, final int size)
    {
        final List<byte[]> parts = new ArrayList<>();
        for (int id = first; id <= last; id++)
        {
            parts.add(tagged(id, size));
        }
        return concat(parts);
    }

    static byte[] concat(final List<byte[]> parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] b : parts)
        {
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /**
     * A fresh direct buffer holding {@code payload} between position {@code pad} and its limit,
     * with filler bytes before the position and after the limit (they must never be sent).
     */
    static ByteBuffer direct(final byte[] payload, final int pad)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(pad + payload.length + 3);
        while (b.hasRemaining())
        {
            b.put((byte)0x7E);
        }
        b.position(pad);
        b.put(payload);
        b.limit(pad + payload.length).position(pad);
        return b;
    }

    /** A fresh heap buffer holding {@code payload} from position {@code pad}, with filler around it. */
    static ByteBuffer heap(final byte[] payload, final int pad)
    {
        final byte[] array = new byte[pad + payload.length + 3];
        Arrays.fill(array, (byte)0x7E);
        System.arraycopy(payload, 0, array, pad, payload.length);
        return ByteBuffer.wrap(array, pad, payload.length);
    }

    // ------------------------------------------------------------------------------------------
    // sockets
    // ------------------------------------------------------------------------------------------

    /**
     * Reads {@code channels} on one thread (the testkit's {@link LoopbackReaders}, awaiting for at
     * most {@link #WAIT}), checking that each receives exactly {@code expected} from its first byte.
     * Owns the channels: closing it closes them.
     */
    static LoopbackReaders manyReaders(final List<SocketChannel> channels, final byte[] expected, final String name)
        throws IOException
    {
        return LoopbackReaders.builder(name).check(Check.exactly(expected)).timeout(WAIT).start(channels);
    }

    /** As {@link #manyReaders}, each channel receiving {@code pattern} repeated without end. */
    static LoopbackReaders repeatingReaders(final List<SocketChannel> channels, final byte[] pattern, final String name)
        throws IOException
    {
        return LoopbackReaders.builder(name).check(Check.repeating(pattern)).timeout(WAIT).start(channels);
    }

    /** A connected loopback pair: {@code client} is the test's end, {@code server} the accepted end. */
    record Pair(SocketChannel client, SocketChannel server)
    {
    }

    /**
     * Makes loopback pairs (through the testkit's {@link LoopbackPairs}), and closes every pair and
     * reader it made.
     */
    static final class Loopback implements AutoCloseable
    {
        private final LoopbackPairs pairs;
        private final List<AutoCloseable> opened = new ArrayList<>();

        Loopback() throws IOException
        {
            pairs = new LoopbackPairs();
        }

        /** @return a connected pair with default socket buffers. */
        Pair pair() throws IOException
        {
            return pair(-1, -1);
        }

        /**
         * @param clientRcvBuf SO_RCVBUF of the client end, set before connecting; -1 for the default.
         * @param serverSndBuf SO_SNDBUF of the accepted end; -1 for the default.
         * @return a connected pair; both ends blocking.
         */
        Pair pair(final int clientRcvBuf, final int serverSndBuf) throws IOException
        {
            final LoopbackPairs.Pair pair = pairs.pair(clientRcvBuf, serverSndBuf);
            return new Pair(pair.client(), pair.server());
        }

        /** @return a reader thread on the client end of {@code pair}. */
        StreamReader reader(final Pair pair, final String name)
        {
            final StreamReader reader = new StreamReader(pair.client(), name);
            opened.add(reader);
            return reader;
        }

        /** Registers something to close with the rest. */
        <T extends AutoCloseable> T track(final T closeable)
        {
            opened.add(closeable);
            return closeable;
        }

        @Override
        public void close()
        {
            for (int i = opened.size() - 1; i >= 0; i--)
            {
                try
                {
                    opened.get(i).close();
                }
                catch (final Exception ex)
                {
                    // best effort
                }
            }
            opened.clear();
            pairs.close();
        }
    }

    /** Reads a blocking channel on its own thread until end of stream, keeping every byte. */
    static final class StreamReader implements AutoCloseable
    {
        private final SocketChannel channel;
        private final Thread thread;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final AtomicLong size = new AtomicLong();
        private volatile boolean eof;
        private volatile Throwable failure;

        StreamReader(final SocketChannel channel, final String name)
        {
            this.channel = channel;
            this.thread = new Thread(this::run, "reader-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        private void run()
        {
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try
            {
                while (true)
                {
                    buffer.clear();
                    final int n = channel.read(buffer);
                    if (n < 0)
                    {
                        eof = true;
                        return;
                    }
                    synchronized (received)
                    {
                        received.write(buffer.array(), 0, n);
                    }
                    size.addAndGet(n);
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                failure = ex;
            }
        }

        long size()
        {
            return size.get();
        }

        byte[] bytes()
        {
            synchronized (received)
            {
                return received.toByteArray();
            }
        }

        boolean eof()
        {
            return eof;
        }

        Throwable failure()
        {
            return failure;
        }

        /** Waits until at least {@code n} bytes arrived. */
        void awaitSize(final long n)
        {
            await(() -> size.get() >= n || failure != null || eof, WAIT,
                () -> thread.getName() + " to receive " + n + " bytes (has " + size.get() + ")");
            if (size.get() < n)
            {
                fail(thread.getName() + " stopped at " + size.get() + " of " + n + " bytes: eof=" + eof + ", failure=" +
                    failure);
            }
        }

        /**
         * Waits until {@code expected.length} bytes arrived, then asserts the stream so far is
         * exactly {@code expected} (shown as text in a failure when short).
         */
        void awaitExactly(final byte[] expected, final String what)
        {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (size.get() < expected.length && failure == null && !eof && System.nanoTime() - deadline < 0)
            {
                LockSupport.parkNanos(500_000);
            }
            // compared whatever arrived: a short stream fails with the difference shown
            final byte[] actual = bytes();
            if (expected.length <= 8192 && actual.length <= 8192)
            {
                org.junit.jupiter.api.Assertions.assertEquals(
                    new String(expected, java.nio.charset.StandardCharsets.ISO_8859_1),
                    new String(actual, java.nio.charset.StandardCharsets.ISO_8859_1), what);
            }
            else
            {
                final int mismatch = Arrays.mismatch(expected, actual);
                if (mismatch >= 0)
                {
                    final int from = Math.max(0, mismatch - 16);
                    fail(what + ": received " + actual.length + " of " + expected.length + " bytes, first difference at " +
                        mismatch + "; expected ..." + preview(expected, from) + "... but got ..." + preview(actual, from) +
                        "...");
                }
            }
        }

        private static String preview(final byte[] b, final int from)
        {
            final int to = Math.min(b.length, from + 48);
            return from >= to ? "" :
                new String(Arrays.copyOfRange(b, from, to), java.nio.charset.StandardCharsets.ISO_8859_1)
                    .replaceAll("[^\\x20-\\x7e]", ".");
        }

        /** Waits for end of stream. */
        void awaitEof()
        {
            await(() -> eof || failure != null, WAIT, () -> thread.getName() + " to read end of stream");
            if (!eof)
            {
                fail(thread.getName() + " failed instead of reading end of stream: " + failure);
            }
        }

        @Override
        public void close() throws Exception
        {
            channel.close();
            thread.join(2000);
        }
    }

    /**
     * Holds the selector thread inside clientAdded of one channel until {@link #open()} (bounded by
     * {@link #WAIT}): whatever the producer renders meanwhile is in the ring before the sink can look
     * at the new client, which makes "the selector thread was late" deterministic. Add it after
     * any recorder so that the recorder sees the callback first.
     */
    static final class AddedGate implements SinkListener
    {
        private final SocketChannel channel;
        private final java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch opened = new java.util.concurrent.CountDownLatch(1);

        AddedGate(final SocketChannel channel)
        {
            this.channel = channel;
        }

        @Override
        public void clientAdded(final SocketChannel added)
        {
            if (added != channel)
            {
                return;
            }
            entered.countDown();
            try
            {
                opened.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits until the selector thread is held in the callback. */
        void awaitHeld()
        {
            await(() -> entered.getCount() == 0, () -> "the selector thread to enter clientAdded of " + channel);
        }

        /** Lets the selector thread go on; idempotent. */
        void open()
        {
            opened.countDown();
        }
    }

    // ------------------------------------------------------------------------------------------
    // listener
    // ------------------------------------------------------------------------------------------

    enum Kind
    {
        ADDED, REMOVED, SOCKET_REMOVED
    }

    /**
     * One callback, as seen on the thread that ran it.
     *
     * @param kind        which callback.
     * @param channel     its channel.
     * @param status      the status of clientRemoved, null otherwise.
     * @param thread      the name of the thread that ran it.
     * @param stats       getStats(channel) called inside the callback.
     * @param channelOpen whether the channel was open during the callback.
     * @param remote      the channel's remote address during the callback, null if unavailable.
     */
    record Event(Kind kind, SocketChannel channel, ClientStatus status, String thread, ClientStats stats,
                 boolean channelOpen, SocketAddress remote)
    {
    }

    /** Records every callback, in order. */
    static final class EventRecorder implements SinkListener
    {
        private final Function<SocketChannel, ClientStats> statsLookup;
        private final List<Event> events = new ArrayList<>();

        EventRecorder(final Function<SocketChannel, ClientStats> statsLookup)
        {
            this.statsLookup = statsLookup;
        }

        @Override
        public void clientAdded(final SocketChannel channel)
        {
            record(Kind.ADDED, channel, null);
        }

        @Override
        public void clientRemoved(final SocketChannel channel, final ClientStatus status)
        {
            record(Kind.REMOVED, channel, status);
        }

        @Override
        public void clientSocketRemoved(final SocketChannel channel)
        {
            record(Kind.SOCKET_REMOVED, channel, null);
        }

        private void record(final Kind kind, final SocketChannel channel, final ClientStatus status)
        {
            SocketAddress remote = null;
            try
            {
                remote = channel.getRemoteAddress();
            }
            catch (final IOException ex)
            {
                // closed
            }
            final Event event = new Event(kind, channel, status, Thread.currentThread().getName(),
                statsLookup.apply(channel), channel.isOpen(), remote);
            synchronized (events)
            {
                events.add(event);
            }
        }

        /** @return every event so far, in order. */
        List<Event> all()
        {
            synchronized (events)
            {
                return new ArrayList<>(events);
            }
        }

        /** @return the events of one channel, in order. */
        List<Event> of(final SocketChannel channel)
        {
            final List<Event> r = new ArrayList<>();
            for (final Event e : all())
            {
                if (e.channel() == channel)
                {
                    r.add(e);
                }
            }
            return r;
        }

        /** Waits for the first event matching {@code match}. */
        Event await(final Predicate<Event> match, final String what)
        {
            final Event[] found = new Event[1];
            TestSupport.await(() ->
            {
                for (final Event e : all())
                {
                    if (match.test(e))
                    {
                        found[0] = e;
                        return true;
                    }
                }
                return false;
            }, WAIT, () -> what + "; events so far: " + all());
            return found[0];
        }

        Event awaitAdded(final SocketChannel channel)
        {
            return await(e -> e.kind() == Kind.ADDED && e.channel() == channel, "clientAdded(" + channel + ")");
        }

        Event awaitRemoved(final SocketChannel channel)
        {
            return await(e -> e.kind() == Kind.REMOVED && e.channel() == channel, "clientRemoved(" + channel + ")");
        }

        Event awaitSocketRemoved(final SocketChannel channel)
        {
            return await(e -> e.kind() == Kind.SOCKET_REMOVED && e.channel() == channel,
                "clientSocketRemoved(" + channel + ")");
        }

        /** Waits until {@code n} events of {@code kind} have been seen. */
        List<Event> awaitCount(final Kind kind, final int n)
        {
            TestSupport.await(() -> count(kind) >= n, WAIT, () -> n + " " + kind + " events; so far: " + all());
            final List<Event> r = new ArrayList<>();
            for (final Event e : all())
            {
                if (e.kind() == kind)
                {
                    r.add(e);
                }
            }
            return r;
        }

        long count(final Kind kind)
        {
            return all().stream().filter(e -> e.kind() == kind).count();
        }
    }
}
