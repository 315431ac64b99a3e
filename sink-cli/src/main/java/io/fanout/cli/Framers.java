package io.fanout.cli;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.format.Framer;
import io.fanout.sink.format.GdpFramer;
import io.fanout.sink.format.GdpPayloader;
import io.fanout.sink.format.ProducerPort;
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
     * What the input renders into: the sink, or a {@link GdpPayloader} in front of it for
     * {@code --serve-format gdp} (which sets the sink's streamheader to its caps record at once:
     * producer thread).
     *
     * @param options the input options, checked.
     * @param sink    the sink.
     * @return the port.
     */
    static ProducerPort port(final InputOptions options, final MultiSocketSink sink)
    {
        return options.serveFormat == InputOptions.ServeFormat.gdp ? new GdpPayloader(sink, options.format.caps()) : ProducerPort.of(sink);
    }

    /**
     * @param options the input options, checked.
     * @param port    what to render into ({@link #port}).
     * @param err     where the framer reports bad input.
     * @return the framer.
     * @throws IllegalArgumentException for an option the format rejects.
     */
    static Framer create(final InputOptions options, final ProducerPort port, final PrintStream err)
    {
        switch (options.format)
        {
            case raw:
                return new RawFramer(port, options.blocksize());
            case lines:
                return new LinesFramer(port, options.maxLineLength());
            case mpegts:
                return new MpegTsFramer(port, options.blocksize(), keyframePid(options.keyframePid()), err::println);
            case gdp:
                return new GdpFramer(port, options.strict(), err::println);
            default:
                throw new IllegalArgumentException("--format " + options.format + " has no framer");
        }
    }
}
