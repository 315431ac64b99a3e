package io.fanout.cli;

import picocli.CommandLine;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Parses a duration with a unit into nanoseconds: {@code 500ms}, {@code 2s}, {@code 1m},
 * {@code 1h}, {@code 250us}, {@code 100ns}; a bare number is seconds. The number is decimal (ASCII digits, at
 * most one point) and the value exact, rounded down to whole nanoseconds.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        return parseNs(value);
    }

    static long parseNs(final String text)
    {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        // ASCII digits only: Character.isDigit takes any script's digits
        while (split < value.length() && (value.charAt(split) >= '0' && value.charAt(split) <= '9' || value.charAt(split) == '.'))
        {
            split++;
        }
        if (split == 0)
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (examples: 500ms, 2s, 1m)");
        }
        final BigDecimal number;
        try
        {
            number = new BigDecimal(value.substring(0, split));
        }
        catch (final NumberFormatException ex)
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a duration (examples: 500ms, 2s, 1m)");
        }
        final long unitNs;
        switch (value.substring(split).trim())
        {
            case "ns":
                unitNs = 1;
                break;
            case "us":
                unitNs = TimeUnit.MICROSECONDS.toNanos(1);
                break;
            case "ms":
                unitNs = TimeUnit.MILLISECONDS.toNanos(1);
                break;
            case "":
            case "s":
                unitNs = TimeUnit.SECONDS.toNanos(1);
                break;
            case "m":
            case "min":
                unitNs = TimeUnit.MINUTES.toNanos(1);
                break;
            case "h":
                unitNs = TimeUnit.HOURS.toNanos(1);
                break;
            default:
                throw new CommandLine.TypeConversionException(
                    "'" + text + "' has an unknown unit (use ns, us, ms, s, m or h)");
        }
        // exact decimal arithmetic, rounded down to whole ns: through a double, 0.071m was 4259999999 ns
        final BigDecimal ns = number.multiply(BigDecimal.valueOf(unitNs)).setScale(0, RoundingMode.DOWN);
        if (ns.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0)
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is too long");
        }
        return ns.longValueExact();
    }
}
