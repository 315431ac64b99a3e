package io.fanout.cli;

import io.fanout.sink.UnitFormat;
import picocli.CommandLine;

/**
 * A value whose unit depends on another option ({@code --units-max} on {@code --unit-format},
 * {@code --burst-value} on {@code --burst-format}): a count of buffers, a size ({@code 8MiB}) or a
 * duration ({@code 2s}, in ns); {@code -1} means unset.
 */
final class UnitValue
{
    private UnitValue()
    {
    }

    /**
     * @param text   the option's text.
     * @param format the unit it is in.
     * @param option the option's name, for the error.
     * @return the value in buffers, bytes or ns; -1 for unset.
     * @throws CommandLine.TypeConversionException naming the option.
     */
    static long parse(final String text, final UnitFormat format, final String option)
    {
        if (text == null)
        {
            return -1;
        }
        if ("-1".equals(text.trim()))
        {
            return -1;
        }
        try
        {
            switch (format)
            {
                case BYTES:
                    return SizeConverter.parseBytes(text);
                case TIME:
                    return DurationConverter.parseNs(text);
                default:
                    return Long.parseLong(text.trim());
            }
        }
        catch (final NumberFormatException | CommandLine.TypeConversionException ex)
        {
            throw new CommandLine.TypeConversionException(
                option + " '" + text + "' is not a value in " + GstNames.of(format) +
                (format == UnitFormat.TIME ? " (examples: 500ms, 2s)" : format == UnitFormat.BYTES ?
                " (examples: 4096, 64KiB)" : " (a count of buffers, or -1)"));
        }
    }
}
