package io.fanout.cli;

import picocli.CommandLine;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Parses a bit rate into bits per second, with SI prefixes as network rates use them:
 * {@code 64000}, {@code 64kbit}, {@code 4.5Mbit}, {@code 1Gbit} (also {@code k}, {@code M},
 * {@code G}, with or without {@code bit}, {@code bit/s} or {@code bps}).
 */
final class BitRateConverter implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        return parse(value);
    }

    static long parse(final String text)
    {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        // ASCII digits only: Character.isDigit (and BigDecimal) take any script's digits, '٩' included
        while (split < value.length() && (value.charAt(split) >= '0' && value.charAt(split) <= '9' || value.charAt(split) == '.'))
        {
            split++;
        }
        final BigDecimal number;
        try
        {
            number = new BigDecimal(value.substring(0, split));
        }
        catch (final NumberFormatException ex)
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a bit rate (examples: 64kbit, 4.5Mbit)");
        }
        String unit = value.substring(split).trim();
        for (final String suffix : new String[] {"bit/s", "bps", "bit"})
        {
            if (unit.endsWith(suffix))
            {
                unit = unit.substring(0, unit.length() - suffix.length());
                break;
            }
        }
        final long multiplier;
        switch (unit)
        {
            case "":
                multiplier = 1;
                break;
            case "k":
                multiplier = 1_000;
                break;
            case "m":
                multiplier = 1_000_000;
                break;
            case "g":
                multiplier = 1_000_000_000;
                break;
            default:
                throw new CommandLine.TypeConversionException(
                    "'" + text + "' has an unknown unit (use bit, kbit, Mbit or Gbit)");
        }
        final BigDecimal bits = number.multiply(BigDecimal.valueOf(multiplier));
        if (bits.compareTo(BigDecimal.ONE) < 0 || bits.compareTo(BigDecimal.valueOf(1_000_000_000_000L)) > 0)
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is out of range 1bit..1000Gbit");
        }
        return bits.longValue();
    }
}
