package io.fanout.sink;

import java.nio.ByteBuffer;

/**
 * What a {@link Handshake} decided about a connection. Immutable; any thread.
 *
 * @param kind     the decision.
 * @param response bytes written to the connection first (its position to its limit), or null for none.
 * @param sync     for {@link Kind#ADD}: where the client starts, or null for the sink's defaults.
 * @param refusal  for {@link Kind#CLOSE}: why the connection is refused, counted by the server
 *                 ({@link TcpServerSink#refusedClients(Refusal)}); null when it is not a refusal.
 */
public record HandshakeResult(Kind kind, ByteBuffer response, ClientSync sync, Refusal refusal)
{
    /** The decisions. */
    public enum Kind
    {
        /** The request is not complete: read more. */
        NEED_MORE,
        /** Write the response, then add the connection as a client. */
        ADD,
        /** Write the response, then close the connection. */
        CLOSE
    }

    private static final HandshakeResult NEED_MORE = new HandshakeResult(Kind.NEED_MORE, null, null, null);

    /** @return wait for more bytes. */
    public static HandshakeResult needMore()
    {
        return NEED_MORE;
    }

    /**
     * @param response bytes to write first, or null.
     * @return add the connection with the sink's sync settings.
     */
    public static HandshakeResult add(final ByteBuffer response)
    {
        return new HandshakeResult(Kind.ADD, response, null, null);
    }

    /**
     * @param response bytes to write first, or null.
     * @param sync     where the client starts.
     * @return add the connection with its own sync settings.
     */
    public static HandshakeResult add(final ByteBuffer response, final ClientSync sync)
    {
        return new HandshakeResult(Kind.ADD, response, sync, null);
    }

    /**
     * @param response bytes to write first (an error status, say), or null.
     * @return close the connection.
     */
    public static HandshakeResult close(final ByteBuffer response)
    {
        return new HandshakeResult(Kind.CLOSE, response, null, null);
    }

    /**
     * @param response bytes to write first (an error status, say), or null.
     * @param reason   why: the server counts it (an unauthorized request, say).
     * @return close the connection as a refusal.
     */
    public static HandshakeResult refuse(final ByteBuffer response, final Refusal reason)
    {
        return new HandshakeResult(Kind.CLOSE, response, null, reason);
    }
}
