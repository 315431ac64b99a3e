package io.fanout.sink.internal.ring;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.function.BooleanSupplier;

/**
 * Opt-in back-pressure (docs/semantics.md A.2.14): before a publish would release, for the queue
 * capacity, a buffer that a connected client still needs, the producer waits for the client to
 * take it, up to a bound, instead of lapping the client. Producer thread only.
 * <p>
 * The wait spins, yields, then parks from 1 µs up to 1 ms (Agrona's {@link BackoffIdleStrategy}):
 * the selector thread publishes what clients need ({@link BufferRing#hold}) on every duty cycle,
 * so the producer resumes at most about a millisecond after the slowest client took its bytes.
 * Allocation-free.
 */
public final class Backpressure
{
    private static final long MIN_PARK_NS = 1_000;
    private static final long MAX_PARK_NS = 1_000_000;

    private final BufferRing ring;
    private final long maxWaitNs;
    private final BooleanSupplier closed;
    private final Runnable wakeReader;
    private final IdleStrategy idle = new BackoffIdleStrategy(100, 10, MIN_PARK_NS, MAX_PARK_NS);

    /**
     * @param ring      the ring the producer publishes into.
     * @param maxWaitNs the longest wait per buffer in ns, &gt;= 1 ({@code Long.MAX_VALUE}: no bound).
     * @param closed    true once the sink closed: a wait then ends at once.
     * @param wakeReader wakes the reader thread, so that it publishes what clients need now (it
     *                  may be parked waiting for more bytes than the producer can publish).
     */
    public Backpressure(final BufferRing ring, final long maxWaitNs, final BooleanSupplier closed,
        final Runnable wakeReader)
    {
        if (maxWaitNs < 1)
        {
            throw new IllegalArgumentException("maxWaitNs = " + maxWaitNs + " must be >= 1");
        }
        this.ring = ring;
        this.maxWaitNs = maxWaitNs;
        this.closed = closed;
        this.wakeReader = wakeReader;
    }

    /**
     * Producer thread, before publishing a buffer: wait while publishing it would lap a client
     * that still needs a retained buffer. Returns when it would not, when {@code maxWaitNs} passed
     * (the publish then laps the client), when the sink closed, or when the thread is interrupted
     * (its interrupt status stays set, for the caller to see).
     *
     * @param length payload bytes of the buffer about to be published.
     * @return true when the publish may go ahead without lapping anyone, false when the wait
     * gave up.
     */
    public boolean await(final int length)
    {
        if (!ring.wouldLapHeld(length))
        {
            return true;
        }
        final long start = System.nanoTime();
        wakeReader.run();
        idle.reset();
        boolean room = false;
        while (!closed.getAsBoolean() && !Thread.currentThread().isInterrupted())
        {
            if (!ring.wouldLapHeld(length))
            {
                room = true;
                break;
            }
            if (System.nanoTime() - start >= maxWaitNs)
            {
                break;
            }
            wakeReader.run(); // it may have parked since (it wakes only if parked): it must publish the hold
            idle.idle();
        }
        ring.countWait(System.nanoTime() - start);
        return room;
    }
}
