package io.fanout.sink.internal.agent;

/**
 * What {@link StartPositions} decided for a new or waiting client; the agent carries it out.
 * Allocated only when a client starts; the other outcomes are shared constants.
 *
 * @param kind      the outcome.
 * @param seq       for {@link Kind#START}: the first sequence to send.
 * @param decidedAt for {@link Kind#START}: the sequence on whose arrival the start was decided.
 */
record StartDecision(Kind kind, long seq, long decidedAt)
{
    /** The outcomes. */
    enum Kind
    {
        /** The buffers it waits for do not exist yet (or it now waits for a keyframe): nothing to do. */
        NOT_YET,
        /** The buffers it needed were released by the queue capacity: remove it SLOW, counted lapped. */
        LAPPED,
        /** It starts at {@code seq}. */
        START
    }

    static final StartDecision NOT_YET = new StartDecision(Kind.NOT_YET, -1, -1);
    static final StartDecision LAPPED = new StartDecision(Kind.LAPPED, -1, -1);

    static StartDecision startAt(final long seq, final long decidedAt)
    {
        return new StartDecision(Kind.START, seq, decidedAt);
    }
}
