package io.fanout.sink.internal.agent;

/**
 * Where one turn of writes left a client ({@link ClientWriter#serve}); the agent carries it out.
 */
enum WriteOutcome
{
    /** Everything published (or everything it must flush) is written: no OP_WRITE interest. */
    CAUGHT_UP,
    /** Its socket is full with data pending: it lags, with OP_WRITE interest. */
    BLOCKED,
    /** Its socket takes more but its turn (the write quantum) is over: served again next cycle. */
    TURN_OVER,
    /** The queue capacity released a buffer it still needed: remove it SLOW, counted lapped. */
    LAPPED,
    /** The socket write failed ({@link ClientWriter#failure()} says how): remove it CLOSED or ERROR. */
    FAILED,
    /** remove-flush is complete: remove it with status FLUSHING. */
    FLUSHED,
    /** A recovery decided mid-buffer sends it to wait for a keyframe now that the buffer is whole. */
    WAIT_KEYFRAME
}
