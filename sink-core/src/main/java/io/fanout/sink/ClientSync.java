package io.fanout.sink;

import java.util.Objects;

/**
 * Where a client starts: its sync method and the bounds of its burst, the last five arguments of
 * multisocketsink's {@code add-full} signal as one value (docs/semantics.md §2.2, §5.3).
 * <p>
 * Values follow GStreamer's sentinels (docs/conventions.md): a bound whose format is
 * {@link UnitFormat#UNDEFINED} or whose value is -1 is unset. Burst values are in their format's
 * unit: buffers, bytes, or nanoseconds for {@link UnitFormat#TIME}. Immutable; any thread.
 *
 * @param syncMethod where the client starts.
 * @param minFormat  unit of the burst minimum ({@link UnitFormat#UNDEFINED}: just the newest buffer).
 * @param minValue   the burst minimum in {@code minFormat} units.
 * @param maxFormat  unit of the burst maximum ({@link UnitFormat#UNDEFINED}: none).
 * @param maxValue   the burst maximum in {@code maxFormat} units, -1 for none; a burst stays strictly under it.
 */
public record ClientSync(SyncMethod syncMethod, UnitFormat minFormat, long minValue, UnitFormat maxFormat, long maxValue)
{
    /**
     * @throws NullPointerException     when a method or format is null.
     * @throws IllegalArgumentException when both bounds are set in the same unit and max &lt; min
     *                                  (GStreamer logs a warning and ignores such an add).
     */
    public ClientSync
    {
        Objects.requireNonNull(syncMethod, "syncMethod");
        Objects.requireNonNull(minFormat, "minFormat");
        Objects.requireNonNull(maxFormat, "maxFormat");
        if (minFormat == maxFormat && minFormat != UnitFormat.UNDEFINED && minValue >= 0 && maxValue >= 0 &&
            maxValue < minValue)
        {
            throw new IllegalArgumentException("burst maxValue " + maxValue + " < minValue " + minValue);
        }
    }

    /**
     * @param syncMethod where the client starts.
     * @return that sync method with no burst bounds.
     */
    public static ClientSync of(final SyncMethod syncMethod)
    {
        return new ClientSync(syncMethod, UnitFormat.UNDEFINED, -1, UnitFormat.UNDEFINED, -1);
    }

    /**
     * What {@code add} (not {@code add-full}) uses: the sink's sync method and its burst as the
     * minimum, with no maximum (docs/semantics.md §2.1).
     *
     * @param config the sink's configuration.
     * @return the sink-wide defaults.
     */
    public static ClientSync defaults(final SinkConfig config)
    {
        return new ClientSync(config.syncMethod(), config.burstFormat(), config.burstValue(), config.burstFormat(), -1);
    }
}
