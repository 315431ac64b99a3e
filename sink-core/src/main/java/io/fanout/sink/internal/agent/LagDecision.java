package io.fanout.sink.internal.agent;

/**
 * What {@link LagLimits} decided for one lagging client at a new head; the agent carries it out.
 * The common outcome ({@link #NONE}) and the removals without dropped buffers are shared
 * constants: a decision is allocated only when a recovery moves a client or drops buffers.
 *
 * @param kind    the outcome.
 * @param seq     for {@link Kind#RESYNC}: where it continues; for {@link Kind#WAIT_KEYFRAME}: it
 *                waits for a keyframe at or after this sequence.
 * @param dropped buffers the recover policy skipped (added to the client's buffers-dropped).
 */
record LagDecision(Kind kind, long seq, long dropped)
{
    /** The outcomes (docs/semantics.md §6 with A.2.3). */
    enum Kind
    {
        /** Within its limits at every buffer since the last check. */
        NONE,
        /** The queue capacity released a buffer it still needed: removed SLOW, counted lapped. */
        LAPPED,
        /** Over the hard limit: removed SLOW. */
        SLOW,
        /** The recover policy moved it: it continues at {@code seq} after the buffer in progress. */
        RESYNC,
        /** The recover policy (resync-keyframe) sends it to wait for a keyframe from {@code seq}. */
        WAIT_KEYFRAME
    }

    static final LagDecision NONE = new LagDecision(Kind.NONE, -1, 0);
    static final LagDecision LAPPED = new LagDecision(Kind.LAPPED, -1, 0);
    static final LagDecision SLOW = new LagDecision(Kind.SLOW, -1, 0);

    static LagDecision slow(final long dropped)
    {
        return dropped == 0 ? SLOW : new LagDecision(Kind.SLOW, -1, dropped);
    }

    static LagDecision moved(final boolean waitKeyframe, final long seq, final long dropped)
    {
        return new LagDecision(waitKeyframe ? Kind.WAIT_KEYFRAME : Kind.RESYNC, seq, dropped);
    }
}
