package io.fanout.cli;

import io.fanout.cli.input.LoopingChannel;
import io.fanout.cli.input.PacedChannel;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The input the options describe: standard input, an upstream sink ({@code tcp://}), a file
 * ({@code file:}) or the built-in demo, read once or looped, handed on as fast as it comes or
 * paced at its stream's times.
 */
final class Inputs
{
    /** The demo clip: docs and the command that made it are in sink-cli/make-demo.sh. */
    static final String DEMO_RESOURCE = "/io/fanout/cli/input/demo.ts";

    private Inputs()
    {
    }

    /** A {@code --source}: an upstream sink, a file, or a GStreamer pipeline run in process. */
    record Source(List<InetSocketAddress> upstreams, Path file, String pipeline)
    {
        /**
         * @param uri {@code tcp://HOST:PORT} (or several, separated by commas: failover), {@code file:PATH}
         *            or {@code gst:PIPELINE}.
         * @return the source.
         * @throws UsageException naming the option, for anything else, a file that cannot be read or an empty pipeline.
         */
        static Source parse(final String uri)
        {
            if (uri.startsWith("gst:"))
            {
                final String pipeline = uri.substring("gst:".length()).strip();
                if (pipeline.isEmpty())
                {
                    throw new UsageException("--source gst: needs a pipeline, e.g. gst:videotestsrc is-live=true ! x264enc ! h264parse ! mpegtsmux");
                }
                return new Source(null, null, pipeline);
            }
            if (uri.startsWith("file:"))
            {
                final Path file = Path.of(uri.substring("file:".length()));
                if (!Files.isRegularFile(file) || !Files.isReadable(file))
                {
                    throw new UsageException("--source " + uri + ": no readable file " + file);
                }
                return new Source(null, file, null);
            }
            try
            {
                return new Source(UpstreamChannel.parseList(uri), null, null);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new UsageException("--source " + ex.getMessage() + " (or file:PATH, gst:PIPELINE)");
            }
        }
    }

    /** The opened input, its pacing when paced, its upstreams when relaying (for the statistics). */
    record Opened(ReadableByteChannel channel, PacedChannel paced, UpstreamChannel upstream)
    {
    }

    /**
     * @param options       the input options, checked.
     * @param stdin         standard input.
     * @param upstreamReset what a reconnecting upstream calls (the framer's reset).
     * @param err           where events are reported.
     * @return the input.
     * @throws IOException when a file or the demo cannot be opened.
     */
    static Opened open(final InputOptions options, final ReadableByteChannel stdin, final Runnable upstreamReset,
        final PrintStream err) throws IOException
    {
        final Source source = options.parsedSource;
        final InputFormat format = options.format;
        ReadableByteChannel in;
        UpstreamChannel upstream = null;
        if (options.demo)
        {
            in = new LoopingChannel(Inputs::openDemo, true, true, err::println);
        }
        else if (source == null)
        {
            in = stdin;
        }
        else if (source.file() != null)
        {
            in = new LoopingChannel(() -> FileChannel.open(source.file()), options.loop, format == InputFormat.mpegts, err::println);
        }
        else
        {
            upstream = new UpstreamChannel(source.upstreams(), options.sourceTimeoutNs(), upstreamReset, err);
            in = upstream;
        }
        if (!options.pace)
        {
            return new Opened(in, null, upstream);
        }
        final PacedChannel paced;
        switch (format)
        {
            case mpegts:
                paced = PacedChannel.mpegts(in);
                break;
            case gdp:
                paced = PacedChannel.gdp(in);
                break;
            default:
                paced = PacedChannel.rate(in, options.rateBits());
                break;
        }
        return new Opened(paced, paced, upstream);
    }

    private static ReadableByteChannel openDemo() throws IOException
    {
        final InputStream stream = Inputs.class.getResourceAsStream(DEMO_RESOURCE);
        if (stream == null)
        {
            throw new IOException("the demo clip " + DEMO_RESOURCE + " is missing from the jar");
        }
        return Channels.newChannel(stream);
    }

    /** @return whether standard input is a terminal (Linux: /proc; elsewhere: a console). */
    static boolean stdinIsTerminal()
    {
        try
        {
            final String target = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        }
        catch (final IOException | UnsupportedOperationException | SecurityException ex)
        {
            return System.console() != null;
        }
    }
}
