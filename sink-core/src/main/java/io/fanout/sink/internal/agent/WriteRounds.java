package io.fanout.sink.internal.agent;

/**
 * When the caught-up clients get their next round of writes: write coalescing with a bounded
 * delay (docs/design.md, "Writes"). Under many clients the cost is per write call, not per byte,
 * so published buffers wait for a round until they add up to the write batch
 * ({@code SinkConfig.writeBatchBytes}) or the oldest of them waited the longest delay
 * ({@code SinkConfig.maxWriteDelayNs}), whichever comes first; each client's gathering write then
 * carries every buffer since the last round. A delay of 0 writes every buffer as soon as it is
 * seen. The delay bounds when the last client of a round is written, not when the round starts:
 * a round starts the last round's duration before the delay ends (at once when rounds take longer
 * than the delay). Start positions, bursts, streamheaders and lag limits do not wait: only when bytes leave
 * for caught-up clients does. Pure bookkeeping over the clock and byte counts it is given;
 * selector thread only.
 */
final class WriteRounds
{
    private final long maxDelayNs;
    private final long batchBytes;
    private final long batchBuffers;
    private boolean pending;
    private long pendingSinceNs;
    /** Bytes rendered through the newest published buffer seen. */
    private long publishedBytes;
    /** The newest published sequence seen. */
    private long publishedHead = -1;
    /** Bytes rendered through the head of the last round. */
    private long servedBytes;
    /** The head when the caught-up clients were last written: they need nothing older than the next. */
    private long servedThrough = -1;
    /** How long the last round took, in ns: the next starts that much before its delay ends. */
    private long lastRoundNs;

    /**
     * @param maxDelayNs   the longest a published buffer waits for a round, in ns; 0: none.
     * @param batchBytes   the bytes that make a round due at once.
     * @param batchBuffers the buffers that make a round due at once (half the queue capacity, so
     *                     that waiting never makes the producer release what the round needs).
     */
    WriteRounds(final long maxDelayNs, final long batchBytes, final long batchBuffers)
    {
        this.maxDelayNs = maxDelayNs;
        this.batchBytes = batchBytes;
        this.batchBuffers = batchBuffers;
    }

    /**
     * New buffers are published at {@code nowNs}: a round is due, now or after the delay.
     *
     * @param nowNs       the monotonic clock.
     * @param head        the newest published sequence.
     * @param totalBytes  bytes rendered through it.
     * @param headBefore  the head seen before it: with no round pending, the caught-up clients
     *                    have everything through there, and the batch counts from there.
     * @param bytesBefore bytes rendered through {@code headBefore}.
     */
    void published(final long nowNs, final long head, final long totalBytes, final long headBefore,
        final long bytesBefore)
    {
        if (!pending)
        {
            pending = true;
            pendingSinceNs = nowNs;
            servedBytes = bytesBefore;
            servedThrough = Math.max(servedThrough, headBefore);
        }
        publishedHead = head;
        publishedBytes = totalBytes;
    }

    /** @return true when a round is due at {@code nowNs}. */
    boolean due(final long nowNs)
    {
        return pending && (nowNs - pendingSinceNs >= delayNs() || publishedBytes - servedBytes >= batchBytes ||
            publishedHead - servedThrough >= batchBuffers);
    }

    /** @return when the pending round is due at the latest, on the clock of {@link #published}. */
    long dueAtNs()
    {
        return pendingSinceNs + delayNs();
    }

    /** @return how long a round may wait from its first buffer: the delay, less the last round's duration. */
    private long delayNs()
    {
        return Math.max(0, maxDelayNs - lastRoundNs);
    }

    /** @return the bytes in all at which the pending round is due for its batch. */
    long batchEndBytes()
    {
        return servedBytes >= Long.MAX_VALUE - batchBytes ? Long.MAX_VALUE : servedBytes + batchBytes;
    }

    /** @return the sequence at which the pending round is due for its batch of buffers. */
    long batchEndSeq()
    {
        return servedThrough + batchBuffers;
    }

    /** @return true while published buffers wait for a round. */
    boolean pending()
    {
        return pending;
    }

    /**
     * A round starts: the caught-up clients are written everything through {@code head}.
     *
     * @param head       the newest published sequence.
     * @param totalBytes bytes rendered through it.
     */
    void started(final long head, final long totalBytes)
    {
        servedThrough = head;
        servedBytes = totalBytes;
    }

    /**
     * The round ended.
     *
     * @param roundNs how long it took, in ns.
     */
    void finished(final long roundNs)
    {
        pending = false;
        lastRoundNs = roundNs;
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
