package io.fanout.sink;

import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Kind;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.fanout.sink.TestSupport.HOST;
import static io.fanout.sink.TestSupport.SELECTOR_THREAD;
import static io.fanout.sink.TestSupport.ascii;
import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handshake hook of {@link TcpServerSink}: a line protocol on loopback. "HELLO" is answered
 * "OK" and the connection becomes a client (with its own sync method for "HELLO latest-keyframe");
 * anything else is answered "NO" and closed; a slow or oversized request is given to
 * onIncomplete. Everything runs on the selector thread, and connections in their handshake count
 * towards the client limit.
 */
@Timeout(20)
class TcpServerSinkHandshakeTest extends LoopbackServerTest
{
    private static final byte[] OK = ascii("OK\n");
    private static final byte[] NO = ascii("NO\n");
    private static final byte[] FULL = ascii("FULL\n");

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private EventRecorder events;

    /** Accepts "HELLO[ method]\n"; records every call with its thread. */
    private final class LineHandshake implements Handshake
    {
        private final long timeoutNs;

        LineHandshake(final long timeoutNs)
        {
            this.timeoutNs = timeoutNs;
        }

        @Override
        public int maxRequestBytes()
        {
            return 64;
        }

        @Override
        public long timeoutNs()
        {
            return timeoutNs;
        }

        @Override
        public HandshakeResult onRequest(final SocketChannel channel, final ByteBuffer request)
        {
            calls.add("request " + Thread.currentThread().getName());
            final String text = StandardCharsets.US_ASCII.decode(request).toString();
            final int end = text.indexOf('\n');
            if (end < 0)
            {
                return HandshakeResult.needMore();
            }
            final String line = text.substring(0, end);
            if (line.equals("HELLO"))
            {
                return HandshakeResult.add(ByteBuffer.wrap(OK));
            }
            if (line.equals("HELLO latest-keyframe"))
            {
                return HandshakeResult.add(ByteBuffer.wrap(OK), ClientSync.of(SyncMethod.LATEST_KEYFRAME));
            }
            return HandshakeResult.close(ByteBuffer.wrap(NO));
        }

        @Override
        public HandshakeResult onIncomplete(final SocketChannel channel, final HandshakeFailure failure)
        {
            calls.add(failure + " " + Thread.currentThread().getName());
            return HandshakeResult.close(failure == HandshakeFailure.CLOSED ? null : ByteBuffer.wrap(NO));
        }

        @Override
        public HandshakeResult onRefused(final SocketChannel channel, final Refusal reason)
        {
            calls.add("refused " + reason + " " + Thread.currentThread().getName());
            return HandshakeResult.close(ByteBuffer.wrap(FULL));
        }
    }

    private void start(final Handshake handshake, final int maxClients) throws IOException
    {
        events = start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), maxClients)
            .handshake(handshake));
    }

    private SocketChannel connect() throws IOException
    {
        return resources.track(SocketChannel.open(new InetSocketAddress(HOST, server.currentPort())));
    }

    private StreamReader send(final SocketChannel client, final String text, final String name) throws IOException
    {
        client.write(ByteBuffer.wrap(ascii(text)));
        return resources.track(new StreamReader(client, name));
    }

    private void render(final byte[] payload, final int flags)
    {
        server.sink().render(TestSupport.direct(payload, 0), flags, MultiSocketSink.CLOCK_TIME_NONE,
            MultiSocketSink.CLOCK_TIME_NONE);
    }

    @Test
    void anAcceptedRequestGetsItsResponseThenTheStream() throws Exception
    {
        start(new LineHandshake(TimeUnit.SECONDS.toNanos(5)), 0);
        final SocketChannel client = connect();
        final StreamReader reader = send(client, "HEL", "hello");
        client.write(ByteBuffer.wrap(ascii("LO\n"))); // the request arrives in two reads
        events.awaitCount(Kind.ADDED, 1);
        render(ascii("data-1"), BufferFlags.NONE);
        render(ascii("data-2"), BufferFlags.NONE);
        final byte[] expected = concat(OK, ascii("data-1data-2"));
        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes(), "the response, then every buffer rendered after the add");
        assertTrue(calls.stream().allMatch(c -> SELECTOR_THREAD.matcher(c.substring(c.indexOf(' ') + 1)).matches()),
            "every handshake call runs on the selector thread: " + calls);
        assertEquals(1, server.sink().stats().numHandles());
    }

    @Test
    void theHandshakeMayChooseTheSyncMethod() throws Exception
    {
        start(new LineHandshake(TimeUnit.SECONDS.toNanos(5)), 0);
        render(ascii("K0"), BufferFlags.NONE);
        final SocketChannel client = connect();
        final StreamReader reader = send(client, "HELLO latest-keyframe\n", "keyframe");
        events.awaitCount(Kind.ADDED, 1);
        render(ascii("d1"), BufferFlags.DELTA_UNIT);
        render(ascii("K2"), BufferFlags.NONE);
        render(ascii("d3"), BufferFlags.DELTA_UNIT);
        // latest-keyframe starts on the newest keyframe queued when d1 arrived (K0, which the
        // keep-a-keyframe rule retains); the sink's default (latest) would have started on d1
        final byte[] expected = concat(OK, ascii("K0d1K2d3"));
        reader.awaitSize(expected.length);
        assertArrayEquals(expected, reader.bytes());
    }

    @Test
    void aRefusedRequestGetsItsAnswerAndIsClosedWithNoCallback() throws Exception
    {
        start(new LineHandshake(TimeUnit.SECONDS.toNanos(5)), 0);
        final StreamReader reader = send(connect(), "GOODBYE\n", "refused");
        reader.awaitEof();
        assertArrayEquals(NO, reader.bytes());
        render(ascii("x"), BufferFlags.NONE);
        assertEquals(0, events.all().size(), "no sink callback for a connection that never became a client");
        assertEquals(0, server.sink().stats().numHandles());
    }

    @Test
    void aSlowRequestTimesOutAndAnOversizedOneIsRefused() throws Exception
    {
        start(new LineHandshake(TimeUnit.MILLISECONDS.toNanos(200)), 0);
        final StreamReader slow = send(connect(), "HEL", "slow");
        final StreamReader large = send(connect(), "x".repeat(64), "large");
        slow.awaitEof();
        large.awaitEof();
        assertArrayEquals(NO, slow.bytes());
        assertArrayEquals(NO, large.bytes());
        await(() -> calls.stream().anyMatch(c -> c.startsWith("TIMEOUT")) &&
            calls.stream().anyMatch(c -> c.startsWith("TOO_LARGE")), () -> "calls: " + calls);
    }

    @Test
    void aPeerThatClosesFirstIsClosedWithoutAnAnswer() throws Exception
    {
        start(new LineHandshake(TimeUnit.SECONDS.toNanos(5)), 0);
        final SocketChannel client = connect();
        client.write(ByteBuffer.wrap(ascii("HEL")));
        client.shutdownOutput();
        await(() -> calls.stream().anyMatch(c -> c.startsWith("CLOSED")), () -> "calls: " + calls);
        final StreamReader reader = resources.track(new StreamReader(client, "closed"));
        reader.awaitEof();
        assertEquals(0, reader.bytes().length);
    }

    @Test
    void connectionsInTheirHandshakeCountTowardsTheClientLimitAndTheRefusedOneIsAnswered() throws Exception
    {
        start(new LineHandshake(TimeUnit.SECONDS.toNanos(5)), 1);
        final SocketChannel first = connect(); // accepted first (the backlog is FIFO): in its handshake, silent
        final StreamReader second = send(connect(), "HELLO\n", "second");
        second.awaitEof();
        assertArrayEquals(FULL, second.bytes(), "its request is read, then answered by onRefused, then closed");
        assertEquals(1, server.refusedClients(Refusal.MAX_CLIENTS));
        final StreamReader firstReader = send(first, "HELLO\n", "first");
        events.awaitCount(Kind.ADDED, 1);
        firstReader.awaitSize(OK.length);
        assertArrayEquals(OK, firstReader.bytes());
        assertEquals(1, events.count(Kind.ADDED), "no callback for the refused one");
    }

    @Test
    void theHandshakeIsSetBeforeStart() throws Exception
    {
        start(null, 0);
        assertThrows(IllegalStateException.class, () -> server.handshake(new LineHandshake(1)));
        final TcpServerSink other = new TcpServerSink(SinkConfig.defaults());
        try
        {
            assertThrows(IllegalArgumentException.class, () -> other.handshake(new LineHandshake(0)));
        }
        finally
        {
            other.close();
        }
    }
}
