package io.fanout.cli;

import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import picocli.CommandLine;

import java.util.Locale;

/**
 * GStreamer's kebab-case names of the sink's enums ({@code burst-keyframe},
 * {@code resync-latest}, {@code bytes}) to and from the Java constants.
 */
final class GstNames
{
    private GstNames()
    {
    }

    static String of(final Enum<?> value)
    {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E>> E parse(final Class<E> type, final String text, final String what)
    {
        for (final E value : type.getEnumConstants())
        {
            if (of(value).equals(text.trim().toLowerCase(Locale.ROOT)))
            {
                return value;
            }
        }
        final StringBuilder names = new StringBuilder();
        for (final E value : type.getEnumConstants())
        {
            names.append(names.length() == 0 ? "" : ", ").append(of(value));
        }
        throw new CommandLine.TypeConversionException("'" + text + "' is not a " + what + " (use " + names + ")");
    }

    /** picocli converter for {@code --sync-method}. */
    static final class SyncMethodConverter implements CommandLine.ITypeConverter<SyncMethod>
    {
        @Override
        public SyncMethod convert(final String value)
        {
            return parse(SyncMethod.class, value, "sync method");
        }
    }

    /** picocli converter for {@code --recover-policy}. */
    static final class RecoverPolicyConverter implements CommandLine.ITypeConverter<RecoverPolicy>
    {
        @Override
        public RecoverPolicy convert(final String value)
        {
            return parse(RecoverPolicy.class, value, "recover policy");
        }
    }

    /** picocli converter for {@code --unit-format} and {@code --burst-format}. */
    static final class UnitFormatConverter implements CommandLine.ITypeConverter<UnitFormat>
    {
        @Override
        public UnitFormat convert(final String value)
        {
            return parse(UnitFormat.class, value, "unit format");
        }
    }
}
