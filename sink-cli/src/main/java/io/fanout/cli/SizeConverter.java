package io.fanout.cli;

import picocli.CommandLine;

import java.util.Locale;

/**
 * Parses a size with a unit into bytes: {@code 4096}, {@code 64KiB}, {@code 8MiB}, {@code 1GiB}
 * (also {@code k}, {@code KB}, {@code M}, {@code MB}, ... as powers of 1024).
 */
final class SizeConverter implements CommandLine.ITypeConverter<Long>
{
    @Override
    public Long convert(final String value)
    {
        return parseBytes(value);
    }

    static long parseBytes(final String text)
    {
        final String value = text.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        // ASCII digits only: Character.isDigit (and Long.parseLong) take any script's digits, '٤' included
        while (split < value.length() && value.charAt(split) >= '0' && value.charAt(split) <= '9')
        {
            split++;
        }
        if (split == 0 || split > 18)
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is not a size (examples: 4096, 64KiB, 8MiB)");
        }
        final long number = Long.parseLong(value.substring(0, split));
        final int shift;
        switch (value.substring(split).trim())
        {
            case "":
            case "b":
                shift = 0;
                break;
            case "k":
            case "kb":
            case "kib":
                shift = 10;
                break;
            case "m":
            case "mb":
            case "mib":
                shift = 20;
                break;
            case "g":
            case "gb":
            case "gib":
                shift = 30;
                break;
            default:
                throw new CommandLine.TypeConversionException(
                    "'" + text + "' has an unknown unit (use B, KiB, MiB or GiB)");
        }
        if (number > (Long.MAX_VALUE >> shift))
        {
            throw new CommandLine.TypeConversionException("'" + text + "' is too large");
        }
        return number << shift;
    }
}
