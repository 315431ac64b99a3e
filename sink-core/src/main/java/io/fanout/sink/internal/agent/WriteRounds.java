package io.fanout.sink.internal.agent;

/**
 * When the caught-up clients get their next round of writes. A round is due once new buffers are
 * published; when rounds take long (many clients, one system call each), the next round lingers up
 * to twice the last round's duration for more buffers, so that each client's gathering write
 * carries several buffers instead of one. System calls per byte then fall as the fan-out grows,
 * and the added delay stays within about two rounds, which the last client of a round waits
 * anyway. With few clients (rounds under {@link #LINGER_MIN_ROUND_NS}) every buffer is written as
 * soon as it is seen. Pure bookkeeping over the clock it is given; selector thread only.
 */
final class WriteRounds
{
    /** Rounds of writes shorter than this are not delayed: 1 ms (about 300 caught-up clients on loopback). */
    static final long LINGER_MIN_ROUND_NS = 1_000_000;
    /** The longest a round waits for more buffers: 5 ms. */
    static final long MAX_LINGER_NS = 5_000_000;

    private boolean pending;
    private long pendingSinceNs;
    private long lingerNs;
    /** The head when the caught-up clients were last written: they need nothing older than the next. */
    private long servedThrough = -1;

    /** New buffers are published at {@code nowNs}: a round is due, now or after the linger. */
    void published(final long nowNs)
    {
        if (!pending)
        {
            pending = true;
            pendingSinceNs = nowNs;
        }
    }

    /** @return true when a round is due at {@code nowNs}. */
    boolean due(final long nowNs)
    {
        return pending && nowNs - pendingSinceNs >= lingerNs;
    }

    /** @return when the pending round is due, on the clock of {@link #published}. */
    long dueAtNs()
    {
        return pendingSinceNs + lingerNs;
    }

    /** @return true while published buffers wait for a round. */
    boolean pending()
    {
        return pending;
    }

    /** A round starts: the caught-up clients are written everything through {@code head}. */
    void started(final long head)
    {
        servedThrough = head;
    }

    /** The round ended; it took {@code roundNs}: the linger of the next one follows from it. */
    void finished(final long roundNs)
    {
        pending = false;
        lingerNs = roundNs >= LINGER_MIN_ROUND_NS ? Math.min(MAX_LINGER_NS, 2 * roundNs) : 0;
    }

    /** @return how long a due round may wait for more buffers, in ns. */
    long lingerNs()
    {
        return lingerNs;
    }

    /**
     * @return the oldest sequence the caught-up clients still need while a round is pending
     * (Long.MAX_VALUE when none is).
     */
    long caughtUpNeed()
    {
        return pending ? servedThrough + 1 : Long.MAX_VALUE;
    }
}
