package io.fanout.cli;

import io.fanout.sink.format.LinesFramer;
import io.fanout.sink.format.RawFramer;
import picocli.CommandLine.Option;

/**
 * The input options of {@code sink-cli} (a picocli mixin): where the stream comes from
 * (standard input, {@code --source}, {@code --demo}), its format and that format's options, and
 * whether it is looped and paced. {@link #check()} settles the options that depend on each other
 * and refuses those that do not fit.
 */
final class InputOptions
{
    private static final int MAX_BLOCKSIZE = 64 << 20;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "Input format: ${COMPLETION-CANDIDATES} (default: raw; mpegts with --demo).")
    InputFormat format;

    @Option(names = "--blocksize", paramLabel = "SIZE", converter = SizeConverter.class,
        description = "raw: largest buffer per read; mpegts: largest buffer (whole packets) "
            + "(default: ${DEFAULT-VALUE}).")
    long blocksize = RawFramer.DEFAULT_BLOCKSIZE;

    @Option(names = "--keyframe-pid", paramLabel = "auto|any|PID",
        description = "mpegts: which PID's random access points make keyframes: auto (the first video stream "
            + "of the PMT), any, or a PID (default: auto).")
    String keyframePid;

    @Option(names = "--strict",
        description = "gdp: a bad record is fatal (exit 1) instead of reported and skipped.")
    boolean strict;

    @Option(names = "--max-line-length", paramLabel = "SIZE", converter = SizeConverter.class,
        description = "lines: longest buffer; longer lines are split (default: 64KiB).")
    Long maxLineLength;

    @Option(names = "--source", paramLabel = "tcp://HOST:PORT[,...]|file:PATH|gst:PIPELINE",
        description = "Read the input from an upstream sink instead of standard input (chains sinks into a fan-out "
            + "tree; a comma-separated list fails over to the next upstream when one closes, fails or goes "
            + "silent, cycling with backoff), from a file, or from a GStreamer pipeline run in this "
            + "process (gst-launch syntax, without the sink: keyframe flags, timestamps and the caps "
            + "streamheader are kept; needs GStreamer 1.x installed).")
    String source;

    @Option(names = "--serve-format", paramLabel = "same|gdp",
        description = "What clients get: the input's bytes (same, the default), or GDP records (gdp), which carry "
            + "each buffer's keyframe flag, timestamps and the streamheader to edges that read --format gdp.")
    ServeFormat serveFormat = ServeFormat.same;

    /** The {@code --serve-format} values. */
    enum ServeFormat
    {
        /** The input's bytes, as framed. */
        same,
        /** GDP records (docs/gdp.md), one per buffer, the streamheader in a caps record. */
        gdp
    }

    @Option(names = "--source-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "--source tcp://: an upstream that sends nothing for this long is left for the next "
            + "(default: 5s).")
    Long sourceTimeoutNs;

    @Option(names = "--demo",
        description = "Serve the built-in demo: an MPEG-TS clip (H.264 and AAC, a keyframe every second) looped "
            + "forever in real time, every viewer from the latest keyframe unless --sync-method says otherwise. "
            + "Also what a terminal on standard input gets.")
    boolean demo;

    @Option(names = "--loop",
        description = "--source file: start again at the end, forever; an MPEG-TS keeps its continuity counters "
            + "and timestamps going across the loop point.")
    boolean loop;

    @Option(names = "--pace",
        description = "Hand the input on at its stream's times instead of as fast as it is read: mpegts by the "
            + "PCR (or PTS), gdp by buffer timestamps, raw and lines at --rate.")
    boolean pace;

    @Option(names = "--rate", paramLabel = "BITRATE", converter = BitRateConverter.class,
        description = "--pace for raw and lines: the stream's bit rate (64kbit, 4.5Mbit).")
    Long rateBits;

    /** @return the Content-Type answered to HTTP clients: the format's, or GDP's when served as GDP. */
    String contentType()
    {
        return serveFormat == ServeFormat.gdp ? InputFormat.gdp.contentType() : format.contentType();
    }

    /** @return {@code --source-timeout} in ns, or its default. */
    long sourceTimeoutNs()
    {
        return sourceTimeoutNs == null ? UpstreamChannel.DEFAULT_SILENCE_NS : sourceTimeoutNs;
    }

    /** @return the GStreamer pipeline of {@code --source gst:}, after {@link #check()}; or null. */
    String pipeline()
    {
        return parsedSource == null ? null : parsedSource.pipeline();
    }

    /** The parsed {@link #source}, after {@link #check()}; null for standard input and the demo. */
    Inputs.Source parsedSource;

    /**
     * Settles the options that depend on each other (--demo's format and pacing), then checks them.
     *
     * @throws UsageException naming the option that does not fit.
     */
    void check()
    {
        if (demo && source != null)
        {
            throw new UsageException("--demo and --source are two inputs; give one");
        }
        if (demo && format != null && format != InputFormat.mpegts)
        {
            throw new UsageException("--demo is MPEG-TS; --format " + format + " does not apply");
        }
        final boolean gst = source != null && source.startsWith("gst:");
        if (gst && format != null)
        {
            throw new UsageException("--format does not apply to --source gst: the pipeline's buffers come framed");
        }
        if (format == null)
        {
            format = demo ? InputFormat.mpegts : InputFormat.raw;
        }
        if (demo)
        {
            pace = true; // a live stream: looped in real time
        }
        parsedSource = source == null ? null : Inputs.Source.parse(source);
        if (loop && (parsedSource == null || parsedSource.file() == null) && !demo)
        {
            throw new UsageException("--loop needs --source file:PATH (standard input and upstreams cannot restart)");
        }
        if (sourceTimeoutNs != null && (parsedSource == null || parsedSource.upstreams() == null))
        {
            throw new UsageException("--source-timeout applies to --source tcp://");
        }
        if (sourceTimeoutNs != null && sourceTimeoutNs <= 0)
        {
            throw new UsageException("--source-timeout must be above 0");
        }
        if (pace && parsedSource != null && parsedSource.upstreams() != null)
        {
            throw new UsageException("--pace applies to files and standard input: an upstream sink is live already");
        }
        if (pace && gst)
        {
            throw new UsageException("--pace applies to files and standard input: a pipeline's appsink paces by the clock (sync=true)");
        }
        final boolean timed = format == InputFormat.mpegts || format == InputFormat.gdp;
        if (rateBits != null && (!pace || timed))
        {
            throw new UsageException("--rate applies to --pace with --format raw or lines");
        }
        if (pace && !timed && rateBits == null)
        {
            throw new UsageException("--pace with --format " + format + " needs --rate (for example 4.5Mbit)");
        }
        if (blocksize < 1 || blocksize > MAX_BLOCKSIZE)
        {
            throw new UsageException("--blocksize " + blocksize + " is out of range 1.." + MAX_BLOCKSIZE);
        }
        if (keyframePid != null && format != InputFormat.mpegts)
        {
            throw new UsageException("--keyframe-pid applies to --format mpegts only");
        }
        if (strict && format != InputFormat.gdp)
        {
            throw new UsageException("--strict applies to --format gdp only");
        }
        if (maxLineLength != null && format != InputFormat.lines)
        {
            throw new UsageException("--max-line-length applies to --format lines only");
        }
        if (maxLineLength != null && (maxLineLength < 1 || maxLineLength > MAX_BLOCKSIZE))
        {
            throw new UsageException("--max-line-length " + maxLineLength + " is out of range 1.." + MAX_BLOCKSIZE);
        }
    }

    int blocksize()
    {
        return (int)blocksize;
    }

    String keyframePid()
    {
        return keyframePid == null ? "auto" : keyframePid;
    }

    boolean strict()
    {
        return strict;
    }

    int maxLineLength()
    {
        return maxLineLength == null ? LinesFramer.DEFAULT_MAX_LINE_LENGTH : (int)(long)maxLineLength;
    }

    /** @return the --rate in bits per second, 0 when not given. */
    long rateBits()
    {
        return rateBits == null ? 0 : rateBits;
    }
}
