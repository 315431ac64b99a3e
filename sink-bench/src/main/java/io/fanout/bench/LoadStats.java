package io.fanout.bench;

import java.util.Arrays;

/**
 * The load generator's arithmetic, kept apart so that a unit test can check it: rates over a
 * window and nearest-rank percentiles. No I/O, no state.
 */
public final class LoadStats
{
    private LoadStats()
    {
    }

    /**
     * @param bytes   bytes moved.
     * @param windowNs window length in ns, &gt; 0.
     * @return MB/s (10^6 bytes per second).
     */
    public static double mbPerSecond(final long bytes, final long windowNs)
    {
        return windowNs <= 0 ? 0 : bytes * 1_000.0 / windowNs;
    }

    /**
     * Nearest-rank percentile of values sorted ascending.
     *
     * @param sorted   ascending values, may be empty.
     * @param quantile 0..1 (0.5 median, 0.99 p99; 1 the maximum).
     * @return the value, 0 when empty.
     */
    public static double percentile(final double[] sorted, final double quantile)
    {
        if (sorted.length == 0)
        {
            return 0;
        }
        final int rank = (int)Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** As {@link #percentile(double[], double)} for longs. @param sorted ascending. @param quantile 0..1. @return the value, 0 when empty. */
    public static long percentile(final long[] sorted, final double quantile)
    {
        if (sorted.length == 0)
        {
            return 0;
        }
        final int rank = (int)Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /**
     * The value at a quantile of an unsorted array, without changing it.
     *
     * @param values  the values (not modified).
     * @param scratch at least as long as {@code values}; overwritten.
     * @param count   how many of {@code values} to use.
     * @param quantile 0..1.
     * @return the nearest-rank value, 0 when count is 0.
     */
    public static long quantileOf(final long[] values, final long[] scratch, final int count, final double quantile)
    {
        if (count == 0)
        {
            return 0;
        }
        System.arraycopy(values, 0, scratch, 0, count);
        Arrays.sort(scratch, 0, count);
        final int rank = (int)Math.ceil(quantile * count);
        return scratch[Math.max(0, Math.min(count - 1, rank - 1))];
    }

    /**
     * CPU used over a window, in percent of one core.
     *
     * @param ticks     clock ticks (utime + stime) used in the window.
     * @param clkTck    ticks per second (USER_HZ, 100 on Linux).
     * @param windowNs  window length in ns.
     * @return percent of one core.
     */
    public static double cpuPercent(final long ticks, final long clkTck, final long windowNs)
    {
        return windowNs <= 0 ? 0 : ticks * 100.0 * 1e9 / clkTck / windowNs;
    }

    /**
     * Nanoseconds between two packets of a constant-rate stream.
     *
     * @param chunkBytes  bytes per write.
     * @param bitsPerSecond stream rate.
     * @return the interval in ns.
     */
    public static long intervalNs(final int chunkBytes, final long bitsPerSecond)
    {
        return (long)(chunkBytes * 8.0 * 1e9 / bitsPerSecond);
    }
}
