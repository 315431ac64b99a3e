package io.fanout.sink;

/** Why a connection's {@link Handshake} request did not complete. */
public enum HandshakeFailure
{
    /** It took longer than {@link Handshake#timeoutNs()} (a slow or idle client: slowloris). */
    TIMEOUT,
    /** It sent {@link Handshake#maxRequestBytes()} bytes without a decision. */
    TOO_LARGE,
    /** It closed its side or reset before the request was complete: nothing can be answered. */
    CLOSED
}
