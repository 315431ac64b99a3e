package io.fanout.sink;

/**
 * Why a {@link TcpServerSink} closed an accepted connection before it became a client. No sink
 * callback runs for a refused connection; {@link TcpServerSink#refusedClients(Refusal)} counts
 * each reason.
 */
public enum Refusal
{
    /** The server's client limit ({@code maxClients}) was reached. */
    MAX_CLIENTS("max_clients"),
    /** The limit of connections from one IP address was reached. */
    MAX_CLIENTS_PER_IP("max_clients_per_ip"),
    /** Its address is not allowed (an access list). */
    DENIED("denied"),
    /** It did not prove who it is (a token, in a handshake). */
    UNAUTHORIZED("unauthorized");

    private final String label;

    Refusal(final String label)
    {
        this.label = label;
    }

    /** @return the reason as a lower-case label, for logs and metrics ({@code max_clients_per_ip}). */
    public String label()
    {
        return label;
    }
}
