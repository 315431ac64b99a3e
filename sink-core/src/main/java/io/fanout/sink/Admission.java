package io.fanout.sink;

import java.net.InetSocketAddress;

/**
 * Decides whether a connection a {@link TcpServerSink} accepted may go on (to its
 * {@link Handshake}, if any, then to the sink), before anything is read from it or written to it:
 * the hook for access lists and per-address limits. Set with {@link TcpServerSink#admission}.
 * The server's own client limit ({@code maxClients}) is checked first.
 * <p>
 * Threads: called on the sink's selector thread, once per accepted connection; it must not
 * block, since every client waits meanwhile.
 */
@FunctionalInterface
public interface Admission
{
    /** Admits everyone. */
    Admission ALL = (remote, fromSameAddress) -> null;

    /**
     * @param remote          the peer's address and port.
     * @param fromSameAddress connections from the same IP address that are clients now or in their
     *                        handshake, not counting this one (&gt;= 0).
     * @return null to admit the connection, or why it is refused: it is closed at once and counted.
     */
    Refusal check(InetSocketAddress remote, int fromSameAddress);
}
