package io.fanout.cli;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkStats;
import io.fanout.sink.TcpServerSink;
import io.fanout.sink.format.Framer;
import io.fanout.sink.format.RawFramer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code sink-cli}: reads standard input, cuts it into buffers and serves every TCP client that
 * connects, as {@code fdsrc ! tcpserversink}.
 * <p>
 * Exit status: 0 clean end of input, 1 runtime failure, 2 usage or start-up error (bad option,
 * port in use).
 */
@Command(
    name = "sink-cli",
    mixinStandardHelpOptions = true,
    versionProvider = SinkCli.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Reads a live stream on standard input and serves it to every TCP client that connects, "
            + "each at its own pace (the Java counterpart of GStreamer's tcpserversink).",
        "",
        "  ffmpeg -re -i in.mp4 -c copy -f mpegts - | sink-cli",
        "  ffplay tcp://127.0.0.1:4953",
        ""},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:end of input, clients drained",
        "1:runtime failure (reading input failed)",
        "2:usage or start-up error (bad option, port in use)"})
public final class SinkCli implements Callable<Integer>
{
    /** Exit status: clean end of input. */
    public static final int EXIT_OK = 0;
    /** Exit status: runtime failure. */
    public static final int EXIT_FAILURE = 1;
    /** Exit status: usage or start-up error. */
    public static final int EXIT_USAGE = 2;

    private static final int MAX_BLOCKSIZE = 64 << 20;

    @Option(names = "--host", paramLabel = "HOST",
        description = "Address to listen on (default: ${DEFAULT-VALUE}; use 0.0.0.0 to serve other machines).")
    String host = TcpServerSink.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "PORT",
        description = "TCP port, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port = TcpServerSink.DEFAULT_PORT;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "Input format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    InputFormat format = InputFormat.raw;

    @Option(names = "--blocksize", paramLabel = "SIZE", converter = SizeConverter.class,
        description = "Largest buffer read from the input, in bytes (units: KiB, MiB; default: ${DEFAULT-VALUE}).")
    long blocksize = RawFramer.DEFAULT_BLOCKSIZE;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "At end of input, how long to keep sending clients what they still have pending "
            + "(units: ms, s, m; default: 10s).")
    long drainTimeoutNs = TimeUnit.SECONDS.toNanos(10);

    @Option(names = "--events",
        description = "Print one JSON line per client event (added, removed with status, socket-removed) on stderr.")
    boolean events;

    private final PrintStream err;
    private final ReadableByteChannel input;

    SinkCli(final ReadableByteChannel input, final PrintStream err)
    {
        this.input = input;
        this.err = err;
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments.
     */
    public static void main(final String[] args)
    {
        final ReadableByteChannel stdin = new FileInputStream(FileDescriptor.in).getChannel();
        System.exit(run(args, stdin, System.err));
    }

    static int run(final String[] args, final ReadableByteChannel input, final PrintStream err)
    {
        final CommandLine commandLine = new CommandLine(new SinkCli(input, err));
        commandLine.setErr(new java.io.PrintWriter(err, true));
        commandLine.setParameterExceptionHandler((ex, arguments) ->
        {
            err.println("sink-cli: " + ex.getMessage() + " (see sink-cli --help)");
            return EXIT_USAGE;
        });
        commandLine.setExecutionExceptionHandler((ex, cmd, parsed) ->
        {
            err.println("sink-cli: " + ex);
            return EXIT_FAILURE;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call()
    {
        if (port < 0 || port > 65535)
        {
            return usage("--port " + port + " is out of range 0..65535");
        }
        if (blocksize < 1 || blocksize > MAX_BLOCKSIZE)
        {
            return usage("--blocksize " + blocksize + " is out of range 1.." + MAX_BLOCKSIZE);
        }
        if (drainTimeoutNs < 0)
        {
            return usage("--drain-timeout must not be negative");
        }
        final InetSocketAddress bind = new InetSocketAddress(host, port);
        if (bind.isUnresolved())
        {
            return usage("--host " + host + " cannot be resolved");
        }
        final SinkConfig config = SinkConfig.defaults();
        final TcpServerSink server = new TcpServerSink(config, bind);
        final MultiSocketSink sink = server.sink();
        if (events)
        {
            sink.addListener(new EventPrinter(err, sink));
        }
        try
        {
            server.start();
        }
        catch (final IOException ex)
        {
            server.close();
            err.println("sink-cli: cannot listen on " + host + ":" + port + ": " + ex.getMessage());
            return EXIT_USAGE;
        }
        err.println("sink-cli: serving tcp://" + hostForUrl(host) + ":" + server.currentPort() +
            " (format " + format + ")");
        try
        {
            final Framer framer = new RawFramer(sink, (int)blocksize);
            while (framer.pump(input))
            {
                // each pump renders what one read returned
            }
            framer.finish();
            if (!sink.drain(drainTimeoutNs))
            {
                final SinkStats stats = sink.stats();
                err.println("sink-cli: drain timed out after " + TimeUnit.NANOSECONDS.toMillis(drainTimeoutNs) +
                    " ms with " + stats.numHandles() + " clients connected");
            }
            return EXIT_OK;
        }
        catch (final IOException ex)
        {
            err.println("sink-cli: reading input failed: " + ex.getMessage());
            return EXIT_FAILURE;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return EXIT_FAILURE;
        }
        finally
        {
            server.close();
        }
    }

    private int usage(final String message)
    {
        err.println("sink-cli: " + message + " (see sink-cli --help)");
        return EXIT_USAGE;
    }

    private static String hostForUrl(final String host)
    {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = SinkCli.class.getPackage().getImplementationVersion();
            return new String[] {"sink-cli " + (version == null ? "(development build)" : version)};
        }
    }
}
