package io.fanout.sink;

/** Why a client left, as multihandlesink's {@code GstClientStatus}; reported by {@link SinkListener#clientRemoved}. */
public enum ClientStatus
{
    /** Connected and served. */
    OK,
    /** The peer went away: reset, broken pipe, or a channel closed behind the sink's back (docs/semantics.md A.2.6). */
    CLOSED,
    /** Removed by {@code remove}, {@code clear}, {@code clientFilter} or {@code close}. */
    REMOVED,
    /** Over the hard lag limit, lapped by the queue capacity, or timed out (docs/semantics.md A.2.5, A.2.9). */
    SLOW,
    /** An I/O error other than the peer going away. */
    ERROR,
    /** An {@code add} of a channel that is already a client: the new add is refused, the client untouched. */
    DUPLICATE,
    /**
     * Set by {@code removeFlush} while the client drains what was pending; reported by clientRemoved
     * when the drain completes (docs/semantics.md A.2.7; the reference reports REMOVED there).
     */
    FLUSHING
}
