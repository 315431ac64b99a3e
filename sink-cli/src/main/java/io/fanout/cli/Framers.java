package io.fanout.cli;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.format.Framer;
import io.fanout.sink.format.GdpFramer;
import io.fanout.sink.format.LinesFramer;
import io.fanout.sink.format.MpegTsFramer;
import io.fanout.sink.format.RawFramer;

import java.io.PrintStream;

/** The framer for a {@code --format}, with that format's options. */
final class Framers
{
    private Framers()
    {
    }

    private static MpegTsFramer.KeyframePid keyframePid(final String text)
    {
        try
        {
            return MpegTsFramer.KeyframePid.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("--keyframe-pid: " + ex.getMessage(), ex);
        }
    }

    /**
     * @param options the input options, checked.
     * @param sink    the sink to render into.
     * @param err     where the framer reports bad input.
     * @return the framer.
     * @throws IllegalArgumentException for an option the format rejects.
     */
    static Framer create(final InputOptions options, final MultiSocketSink sink, final PrintStream err)
    {
        switch (options.format)
        {
            case raw:
                return new RawFramer(sink, options.blocksize());
            case lines:
                return new LinesFramer(sink, options.maxLineLength());
            case mpegts:
                return new MpegTsFramer(sink, options.blocksize(), keyframePid(options.keyframePid()), err::println);
            case gdp:
                return new GdpFramer(sink, options.strict(), err::println);
            default:
                throw new IllegalArgumentException("--format " + options.format + " has no framer");
        }
    }
}
