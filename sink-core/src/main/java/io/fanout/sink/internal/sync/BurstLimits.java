package io.fanout.sink.internal.sync;

import io.fanout.sink.UnitFormat;

/**
 * The burst window of docs/semantics.md A.2.1, in every unit, buffers included (fixing the reference's
 * Q2 and Q7). extent(i) is what buffers 0..i hold: i+1 buffers, their byte total, or the age of
 * the oldest timestamped one among them relative to the newest timestamped one.
 */
public final class BurstLimits
{
    private BurstLimits()
    {
    }

    /**
     * @param q      the queue.
     * @param format the minimum's unit; UNDEFINED (or a negative value) means no minimum.
     * @param value  the minimum.
     * @return 0 without a minimum (just the newest buffer); else the first index whose extent
     * reaches the minimum, or the oldest index when none does.
     */
    public static int minIndex(final QueueView q, final UnitFormat format, final long value)
    {
        if (!isSet(format, value))
        {
            return 0;
        }
        final int found = firstReaching(q, format, value);
        return found < 0 ? q.length() - 1 : found;
    }

    /**
     * @param q      the queue.
     * @param format the maximum's unit; UNDEFINED (or a negative value) means no maximum.
     * @param value  the maximum.
     * @return the first index whose extent reaches the maximum, or {@code length()} (one past the
     * oldest) when none does or no maximum is set.
     */
    public static int maxIndex(final QueueView q, final UnitFormat format, final long value)
    {
        if (!isSet(format, value))
        {
            return q.length();
        }
        final int found = firstReaching(q, format, value);
        return found < 0 ? q.length() : found;
    }

    static boolean isSet(final UnitFormat format, final long value)
    {
        return format != UnitFormat.UNDEFINED && value >= 0;
    }

    /** @return the first index i with extent(i) &gt;= value, or -1. */
    private static int firstReaching(final QueueView q, final UnitFormat format, final long value)
    {
        final int length = q.length();
        switch (format)
        {
            case BUFFERS:
                return value <= length ? (int)Math.max(0, value - 1) : -1;
            case BYTES:
                return q.firstIndexWithBytes(value);
            case TIME:
                return q.firstIndexWithAge(value);
            default:
                return -1;
        }
    }
}
