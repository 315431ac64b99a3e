package io.fanout.cli.input;

import java.util.concurrent.locks.LockSupport;

/**
 * Holds each chunk of the input until the wall clock reaches its stream time, as a GStreamer sink
 * with {@code sync=true} renders buffers at their running time. The first time anchors stream
 * time to the monotonic clock; a chunk due later than now waits, one due earlier goes at once and
 * counts as late. A discontinuity re-anchors: a time more than {@link #JUMP_NS} behind the newest
 * one (a loop without rewritten timestamps), one more than {@link #JUMP_NS} ahead of the clock,
 * or a chunk more than {@link #JUMP_NS} late (the input stalled: catching up would burst). A
 * smaller step back (timestamps in presentation order with B-frames) goes at once. Reader thread of
 * the input only, except the counters, which any thread may read.
 */
final class Pacer
{
    /** A discontinuity: 1 s. */
    static final long JUMP_NS = 1_000_000_000L;

    private final Runnable waitCheck;
    private boolean anchored;
    private long anchorWallNs;
    private long anchorStreamNs;
    private long lastStreamNs;
    private volatile long lateNs;
    private volatile long maxLateNs;
    private volatile long reanchors;

    /** @param waitCheck runs between parks (throws to end a wait early: the input closed). */
    Pacer(final Runnable waitCheck)
    {
        this.waitCheck = waitCheck;
    }

    /**
     * Waits until {@code streamNs} is due.
     *
     * @param streamNs the chunk's stream time in ns, or {@link StreamClock#NO_TIME}.
     */
    void await(final long streamNs)
    {
        if (streamNs == StreamClock.NO_TIME)
        {
            return;
        }
        long now = System.nanoTime();
        long due = anchorWallNs + (streamNs - anchorStreamNs);
        // a step back under a second (B-frames in presentation order) goes at once; a longer one is a new timeline
        if (!anchored || streamNs < lastStreamNs - JUMP_NS || due - now > JUMP_NS || now - due > JUMP_NS)
        {
            if (anchored)
            {
                reanchors++;
            }
            anchored = true;
            anchorWallNs = now;
            anchorStreamNs = streamNs;
            due = now;
        }
        lastStreamNs = Math.max(lastStreamNs, streamNs);
        while (due - now > 0)
        {
            waitCheck.run();
            LockSupport.parkNanos(due - now);
            now = System.nanoTime();
        }
        final long late = now - due;
        lateNs = late;
        if (late > maxLateNs)
        {
            maxLateNs = late;
        }
    }

    /** Any thread: @return how late the last chunk went, in ns. */
    long lateNs()
    {
        return lateNs;
    }

    /** Any thread: @return the most any chunk was late since the last call, in ns; resets it. */
    long takeMaxLateNs()
    {
        final long max = maxLateNs;
        maxLateNs = 0;
        return max;
    }

    /** Any thread: @return how many discontinuities re-anchored the clock. */
    long reanchors()
    {
        return reanchors;
    }
}
