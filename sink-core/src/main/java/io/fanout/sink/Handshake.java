package io.fanout.sink;

import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A request and answer that a {@link TcpServerSink} runs on each accepted connection before the
 * connection becomes a client: an HTTP request head and its status line, a token check, a
 * protocol greeting. A connection the server refused (its client limit, its {@link Admission})
 * still has its request read, and is answered by {@link #onRefused} before it is closed. Set with {@link TcpServerSink#handshake(Handshake)}; without one every
 * connection is added at once, as tcpserversink does.
 * <p>
 * The sink reads what the connection sends into a buffer of {@link #maxRequestBytes()} and calls
 * {@link #onRequest} after every read with everything received so far, until the handshake
 * decides. A connection that sends more than {@link #maxRequestBytes()} without a decision, takes
 * longer than {@link #timeoutNs()}, or closes first is given to {@link #onIncomplete}. A decision
 * to add writes its response (if any) and adds the connection with the returned sync settings; a
 * decision to close writes its response and closes the connection. Connections in their
 * handshake count towards the server's client limit. No sink callback runs for a connection that
 * never becomes a client.
 * <p>
 * Threads: every method runs on the sink's selector thread; it must not block, since every client
 * waits meanwhile.
 */
public interface Handshake
{
    /** Default of {@link #maxRequestBytes()}: 8 KiB. */
    int DEFAULT_MAX_REQUEST_BYTES = 8 * 1024;
    /** Default of {@link #timeoutNs()}: 5 s. */
    long DEFAULT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    /** @return the most bytes a request may have, &gt;= 1; default {@link #DEFAULT_MAX_REQUEST_BYTES}. */
    default int maxRequestBytes()
    {
        return DEFAULT_MAX_REQUEST_BYTES;
    }

    /** @return the longest a connection may take to complete its request, in ns, &gt; 0; default 5 s. */
    default long timeoutNs()
    {
        return DEFAULT_TIMEOUT_NS;
    }

    /**
     * Selector thread: bytes arrived.
     *
     * @param channel the connection.
     * @param request everything received so far, read-only, from position 0 to its limit; valid during
     *                the call only.
     * @return {@link HandshakeResult#needMore()} to wait for more bytes, or the decision.
     */
    HandshakeResult onRequest(SocketChannel channel, ByteBuffer request);

    /**
     * Selector thread: the request did not complete.
     *
     * @param channel the connection.
     * @param failure why.
     * @return the answer before the connection is closed ({@link HandshakeResult#close(ByteBuffer)});
     * any other result closes it too.
     */
    HandshakeResult onIncomplete(SocketChannel channel, HandshakeFailure failure);

    /**
     * Selector thread: the server refused this connection before its handshake (its client limit,
     * or its {@link Admission}); the request is still read whole, then this answers it (an HTTP
     * server's 503, say) and the connection is closed whatever this returns. The refusal is
     * counted already.
     *
     * @param channel the connection.
     * @param reason  why it was refused.
     * @return the answer; by default none (the connection is just closed).
     */
    default HandshakeResult onRefused(final SocketChannel channel, final Refusal reason)
    {
        return HandshakeResult.close(null);
    }
}
