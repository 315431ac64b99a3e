package io.fanout.sink.internal.agent;

/**
 * Wall-clock nanoseconds since the epoch derived from the monotonic clock, so reading it is as
 * cheap as {@link System#nanoTime()} and it has nanosecond steps (docs/semantics.md A.2.13). Immutable.
 */
final class WallClock
{
    private final long offsetNs;

    WallClock()
    {
        offsetNs = System.currentTimeMillis() * 1_000_000L - System.nanoTime();
    }

    /** @param monoNs a {@link System#nanoTime()} reading. @return the wall clock at that reading, in ns. */
    long wallNs(final long monoNs)
    {
        return offsetNs + monoNs;
    }
}
