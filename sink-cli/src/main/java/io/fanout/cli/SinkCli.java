package io.fanout.cli;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SinkListener;
import io.fanout.sink.SinkStats;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.TcpServerSink;
import io.fanout.sink.UnitFormat;
import io.fanout.gst.GstInput;
import io.fanout.gst.GstOutcome;
import io.fanout.gst.GstUnavailableException;
import io.fanout.sink.format.Framer;
import io.fanout.sink.format.ProducerPort;
import io.fanout.cli.input.PacedChannel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code sink-cli}: reads a live stream (standard input, or an upstream sink with
 * {@code --source}), cuts it into buffers with the chosen {@code --format}, and serves every TCP
 * or HTTP client that connects, as {@code fdsrc ! tcpserversink}.
 * <p>
 * Exit status: 0 end of input (or SIGINT/SIGTERM) and clients drained, 1 runtime failure,
 * 2 usage or start-up error (bad option, port in use).
 */
@Command(
    name = "sink-cli",
    mixinStandardHelpOptions = true,
    versionProvider = SinkCli.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
        "Reads a live stream on standard input (or --source) and serves it to every TCP client that connects, "
            + "each at its own pace (the Java counterpart of GStreamer's tcpserversink). With a terminal on "
            + "standard input it serves a built-in demo clip (--demo).",
        "",
        "  sink-cli --demo                     # then: ffplay tcp://127.0.0.1:4953",
        "  ffmpeg -re -i in.mp4 -c copy -f mpegts - | sink-cli --format mpegts --sync-method latest-keyframe",
        "  ffplay tcp://127.0.0.1:4953",
        "",
        "Times take units (500ms, 2s, 1m), sizes too (4096, 64KiB, 8MiB); -1 means unset.",
        ""},
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:end of input (or SIGINT/SIGTERM), clients drained",
        "1:runtime failure (reading the input failed, --strict input error)",
        "2:usage or start-up error (bad option, port in use)"})
public final class SinkCli implements Callable<Integer>
{
    /** Exit status: clean end of input. */
    public static final int EXIT_OK = 0;
    /** Exit status: runtime failure. */
    public static final int EXIT_FAILURE = 1;
    /** Exit status: usage or start-up error. */
    public static final int EXIT_USAGE = 2;

    // ---- network ----
    @Option(names = "--host", paramLabel = "HOST",
        description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 serves other machines).")
    String host = TcpServerSink.DEFAULT_HOST;

    @Option(names = "--port", paramLabel = "PORT",
        description = "TCP port, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port = TcpServerSink.DEFAULT_PORT;

    @Option(names = "--max-clients", paramLabel = "N",
        description = "Most clients at once; a connection over it is closed at once and counted; 0 = no limit "
            + "(default: ${DEFAULT-VALUE}).")
    int maxClients;

    @Option(names = "--allow", paramLabel = "CIDR", converter = Cidr.Converter.class,
        description = "Admit connections only from this address block (10.0.0.0/8, ::1/128; repeatable); "
            + "without --allow everyone is admitted. A refused connection is closed at once and counted.")
    List<Cidr> allow = new ArrayList<>();

    @Option(names = "--deny", paramLabel = "CIDR", converter = Cidr.Converter.class,
        description = "Refuse connections from this address block (repeatable); deny wins over --allow.")
    List<Cidr> deny = new ArrayList<>();

    @Option(names = "--acl-file", paramLabel = "FILE",
        description = "More --allow/--deny rules, one per line ('allow 10.0.0.0/8', 'deny ::/0', # comments); "
            + "SIGHUP re-reads it for new connections (a file that does not parse keeps the old rules).")
    Path aclFile;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "--http: a GET must present one of these tokens (one per line) as ?token=T or "
            + "'Authorization: Bearer T'; 401 without one, 403 with a wrong one. SIGHUP re-reads it.")
    Path tokenFile;

    @Option(names = "--max-clients-per-ip", paramLabel = "N",
        description = "Most connections from one IP address at once; one over it is closed at once and counted; "
            + "0 = no limit (default: ${DEFAULT-VALUE}).")
    int maxClientsPerIp;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
        description = "Serve the admin endpoints here (off by default): /metrics (Prometheus), /healthz, /readyz, "
            + "/clients (JSON), for example 127.0.0.1:9953 or [::1]:9953.")
    String admin;

    @Option(names = "--ready-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "--admin: /readyz answers 503 when no input arrived for this long (default: 5s).")
    long readyTimeoutNs = TimeUnit.SECONDS.toNanos(5);

    private final InputActivity inputActivity = new InputActivity();
    private InetSocketAddress adminAddress;

    @Option(names = "--http",
        description = "Serve HTTP players (ffplay http://..., VLC, curl): answer each GET with 200 and the "
            + "format's Content-Type, then stream; a bad request gets 400, a non-GET 405.")
    boolean http;

    @Option(names = "--http-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "--http: how long a client may take to send its request head before it gets 400 "
            + "(default: 5s).")
    long httpTimeoutNs = HttpHandshake.DEFAULT_TIMEOUT_NS;

    // ---- input ----
    @Mixin
    InputOptions input = new InputOptions();

    @Option(names = "--backpressure", paramLabel = "MAX_WAIT", arity = "0..1", fallbackValue = "unbounded",
        description = "Lossless mode: when the queue capacity would release a buffer a client still needs, the "
            + "input waits (up to MAX_WAIT per buffer, default no bound) instead of removing the client; "
            + "--units-max and --timeout still remove clients. One stalled client then slows every client.")
    String backpressure;

    // ---- sink settings (SinkConfig, with GStreamer's names) ----
    @Option(names = "--sync-method", paramLabel = "METHOD", converter = GstNames.SyncMethodConverter.class,
        description = "Where a new client starts: latest, next-keyframe, latest-keyframe, burst, burst-keyframe, "
            + "burst-with-keyframe (default: latest; latest-keyframe with --demo).")
    SyncMethod syncMethod;

    @Option(names = "--burst-format", paramLabel = "UNIT", converter = GstNames.UnitFormatConverter.class,
        description = "Unit of --burst-value: buffers, bytes, time (default: undefined = just the newest buffer).")
    UnitFormat burstFormat = UnitFormat.UNDEFINED;

    @Option(names = "--burst-value", paramLabel = "VALUE",
        description = "Burst minimum in --burst-format units (count, size, or time such as 2s).")
    String burstValue;

    @Option(names = "--unit-format", paramLabel = "UNIT", converter = GstNames.UnitFormatConverter.class,
        description = "Unit of --units-max and --units-soft-max: buffers, bytes, time (default: buffers).")
    UnitFormat unitFormat = UnitFormat.BUFFERS;

    @Option(names = "--units-max", paramLabel = "VALUE",
        description = "Hard lag limit in --unit-format units: a client over it is removed (slow); -1 = none "
            + "(default: -1).")
    String unitsMax;

    @Option(names = "--units-soft-max", paramLabel = "VALUE",
        description = "Soft lag limit in --unit-format units: over it --recover-policy applies; -1 = none "
            + "(default: -1).")
    String unitsSoftMax;

    @Option(names = "--recover-policy", paramLabel = "POLICY", converter = GstNames.RecoverPolicyConverter.class,
        description = "Over the soft limit: none, resync-latest, resync-soft-limit, resync-keyframe (default: none).")
    RecoverPolicy recoverPolicy = RecoverPolicy.NONE;

    @Option(names = "--bytes-min", paramLabel = "SIZE",
        description = "Keep at least this many bytes queued for bursts; -1 = none (default: -1).")
    String bytesMin;

    @Option(names = "--time-min", paramLabel = "DURATION",
        description = "Keep at least this much time (timestamps) queued for bursts; -1 = none (default: -1).")
    String timeMin;

    @Option(names = "--buffers-min", paramLabel = "N",
        description = "Keep at least this many buffers queued for bursts; -1 = none (default: -1).")
    long buffersMin = -1;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Remove (slow) a client that had data pending and took no byte for this long; 0 = off "
            + "(default: 0).")
    long timeoutNs;

    @Option(names = "--qos-dscp", paramLabel = "DSCP",
        description = "DSCP 0..63 set on every client socket; -1 = untouched (default: ${DEFAULT-VALUE}).")
    int qosDscp = -1;

    @Option(names = "--resend-streamheader", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Send clients the new streamheader when it changes (default: ${DEFAULT-VALUE}).")
    boolean resendStreamheader = true;

    @Option(names = "--queue-capacity-buffers", paramLabel = "N",
        description = "Most buffers queued; a client that needs a released one is removed (slow) "
            + "(default: ${DEFAULT-VALUE}).")
    int queueCapacityBuffers = SinkConfig.DEFAULT_QUEUE_CAPACITY_BUFFERS;

    @Option(names = "--queue-capacity-bytes", paramLabel = "SIZE", converter = SizeConverter.class,
        description = "Most bytes queued (default: 64MiB).")
    long queueCapacityBytes = SinkConfig.DEFAULT_QUEUE_CAPACITY_BYTES;

    @Option(names = "--max-write-delay", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Write coalescing: the longest a buffer waits before it is written to the clients that keep "
            + "up, so that each write carries several buffers (fewer system calls under many clients); 0 = write "
            + "at once (default: 10ms).")
    long maxWriteDelayNs = SinkConfig.DEFAULT_MAX_WRITE_DELAY_NS;

    @Option(names = "--write-batch", paramLabel = "SIZE", converter = SizeConverter.class,
        description = "Write coalescing: this many new bytes are written at once, before --max-write-delay "
            + "(default: 64KiB).")
    long writeBatchBytes = SinkConfig.DEFAULT_WRITE_BATCH_BYTES;

    // ---- output and lifecycle ----
    @Option(names = "--events",
        description = "Print one JSON line per client event (added, removed with status, socket-removed) on stderr.")
    boolean events;

    @Option(names = "--stats-interval", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Print a one-line summary on stderr this often; 0 = never (default: 0).")
    long statsIntervalNs;

    @Option(names = "--drain-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "At end of input, how long clients may take to receive what they still have pending "
            + "(default: 10s).")
    long drainTimeoutNs = TimeUnit.SECONDS.toNanos(10);

    private final PrintStream err;
    private final ReadableByteChannel stdin;
    private final BooleanSupplier stdinIsTerminal;
    private volatile Thread pumping;
    /** The running {@code --source gst:} pipeline, for {@link #stop()}; null otherwise. */
    private volatile GstInput pipeline;
    private final Object pumpLock = new Object();
    private volatile PacedChannel paced;
    /** The relay's upstreams once open, for the metrics; null otherwise. */
    private volatile UpstreamChannel upstream;
    private volatile boolean stopping;
    private volatile ReadableByteChannel reading;

    SinkCli(final ReadableByteChannel input, final PrintStream err)
    {
        this(input, err, () -> false);
    }

    SinkCli(final ReadableByteChannel input, final PrintStream err, final BooleanSupplier stdinIsTerminal)
    {
        this.stdin = input;
        this.err = err;
        this.stdinIsTerminal = stdinIsTerminal;
    }

    /**
     * Runs the command line and exits with its status.
     *
     * @param args the arguments.
     */
    public static void main(final String[] args)
    {
        final ReadableByteChannel stdin = new FileInputStream(FileDescriptor.in).getChannel();
        System.exit(run(args, stdin, System.err, true));
    }

    static int run(final String[] args, final ReadableByteChannel input, final PrintStream err)
    {
        return run(args, input, err, false);
    }

    private static int run(
        final String[] args, final ReadableByteChannel input, final PrintStream err, final boolean handleSignals)
    {
        final SinkCli cli = new SinkCli(input, err, handleSignals ? Inputs::stdinIsTerminal : () -> false);
        final CommandLine commandLine = new CommandLine(cli);
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
        if (handleSignals)
        {
            Signals.onTerminate(cli::stop);
        }
        return commandLine.execute(args);
    }

    /**
     * Every sink setting as a {@link SinkConfig}.
     *
     * @return the configuration.
     * @throws UsageException naming the option for a value out of range or contradictory options.
     */
    SinkConfig sinkConfig()
    {
        if (burstValue != null && burstFormat == UnitFormat.UNDEFINED)
        {
            throw new UsageException("--burst-value needs --burst-format (buffers, bytes or time)");
        }
        if (unitFormat == UnitFormat.UNDEFINED)
        {
            throw new UsageException("--unit-format must be buffers, bytes or time");
        }
        final long max = UnitValue.parse(unitsMax, unitFormat, "--units-max");
        final long softMax = UnitValue.parse(unitsSoftMax, unitFormat, "--units-soft-max");
        if (softMax > 0 && max > 0 && softMax > max)
        {
            throw new UsageException("--units-soft-max " + unitsSoftMax + " is above --units-max " + unitsMax);
        }
        if (recoverPolicy != RecoverPolicy.NONE && softMax <= 0)
        {
            throw new UsageException("--recover-policy " + GstNames.of(recoverPolicy) + " needs --units-soft-max");
        }
        final long burst = burstValue == null ? 0 : UnitValue.parse(burstValue, burstFormat, "--burst-value");
        try
        {
            return SinkConfig.builder()
                .syncMethod(syncMethod != null ? syncMethod : input.demo ? SyncMethod.LATEST_KEYFRAME : SyncMethod.LATEST)
                .burstFormat(burstFormat)
                .burstValue(burst)
                .unitFormat(unitFormat)
                .unitsMax(max)
                .unitsSoftMax(softMax)
                .recoverPolicy(recoverPolicy)
                .bytesMin(UnitValue.parse(bytesMin, UnitFormat.BYTES, "--bytes-min"))
                .timeMinNs(UnitValue.parse(timeMin, UnitFormat.TIME, "--time-min"))
                .buffersMin(buffersMin)
                .timeoutNs(timeoutNs)
                .qosDscp(qosDscp)
                .resendStreamheader(resendStreamheader)
                .queueCapacityBuffers(queueCapacityBuffers)
                .queueCapacityBytes(queueCapacityBytes)
                .maxWriteDelayNs(maxWriteDelayNs)
                .writeBatchBytes((int)Math.min(Integer.MAX_VALUE, writeBatchBytes))
                .backpressureMaxWaitNs(backpressureMaxWaitNs())
                .build();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(ConfigOptionNames.rename(ex.getMessage()));
        }
    }

    private long backpressureMaxWaitNs()
    {
        if (backpressure == null)
        {
            return SinkConfig.BACKPRESSURE_OFF;
        }
        if ("unbounded".equals(backpressure))
        {
            return SinkConfig.BACKPRESSURE_UNBOUNDED;
        }
        final long ns;
        try
        {
            ns = new DurationConverter().convert(backpressure);
        }
        catch (final CommandLine.TypeConversionException ex)
        {
            throw new UsageException("--backpressure " + ex.getMessage());
        }
        if (ns <= 0)
        {
            throw new UsageException("--backpressure " + backpressure + " must be a positive duration");
        }
        return ns;
    }

    private void checkOptions()
    {
        input.check();
        if (port < 0 || port > 65535)
        {
            throw new UsageException("--port " + port + " is out of range 0..65535");
        }
        if (httpTimeoutNs != HttpHandshake.DEFAULT_TIMEOUT_NS && !http)
        {
            throw new UsageException("--http-timeout applies with --http only");
        }
        if (httpTimeoutNs <= 0)
        {
            throw new UsageException("--http-timeout must be positive");
        }
        if (drainTimeoutNs < 0 || statsIntervalNs < 0 || timeoutNs < 0)
        {
            throw new UsageException("durations must not be negative");
        }
        if (maxClients < 0)
        {
            throw new UsageException("--max-clients " + maxClients + " must be >= 0");
        }
        if (tokenFile != null && !http)
        {
            throw new UsageException("--token-file applies with --http only");
        }
        if (readyTimeoutNs <= 0)
        {
            throw new UsageException("--ready-timeout must be positive");
        }
        if (admin != null)
        {
            adminAddress = HostPort.parse("--admin", admin);
        }
        if (maxClientsPerIp < 0)
        {
            throw new UsageException("--max-clients-per-ip " + maxClientsPerIp + " must be >= 0");
        }
    }

    @Override
    public Integer call()
    {
        final SinkConfig config;
        if (input.source == null && !input.demo && stdinIsTerminal.getAsBoolean())
        {
            err.println("sink-cli: standard input is a terminal; serving the built-in demo (--demo). " +
                "Pipe a stream in, or give --source, to serve your own.");
            input.demo = true;
        }
        try
        {
            checkOptions();
            config = sinkConfig();
        }
        catch (final UsageException | CommandLine.TypeConversionException ex)
        {
            return usage(ex.getMessage());
        }
        final InetSocketAddress bind = new InetSocketAddress(host, port);
        if (bind.isUnresolved())
        {
            return usage("--host " + host + " cannot be resolved");
        }
        final HttpHandshake httpHandshake = http ? new HttpHandshake(input.contentType(), httpTimeoutNs) : null;
        final Reload rules;
        try
        {
            rules = new Reload(tokenFile, aclFile, allow, deny, maxClientsPerIp, httpHandshake, err);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            return usage(ex.getMessage());
        }
        Signals.onHangup(rules::reload);
        final FrontEnd frontEnd = new TcpFrontEnd(config, bind, maxClients, httpHandshake, rules);
        if (httpHandshake != null)
        {
            frontEnd.sink().addListener(new SinkListener()
            {
                @Override
                public void clientSocketRemoved(final SocketChannel channel)
                {
                    httpHandshake.forget(channel);
                }
            });
        }
        final MultiSocketSink sink = frontEnd.sink();
        final ProducerPort into = Framers.port(input, sink); // the sink, or GDP records in front of it
        final Framer framer; // with --source gst: never pumped (the pipeline renders); the metrics read its error kinds
        try
        {
            framer = Framers.create(input, into, err);
        }
        catch (final IllegalArgumentException ex)
        {
            frontEnd.close();
            return usage(ex.getMessage());
        }
        GstInput gst = null;
        if (input.pipeline() != null)
        {
            try
            {
                gst = GstInput.parseLaunch(input.pipeline(), into, line -> err.println("sink-cli: " + line));
            }
            catch (final GstUnavailableException ex)
            {
                frontEnd.close();
                err.println("sink-cli: --source gst: " + ex.getMessage());
                return EXIT_USAGE;
            }
            catch (final IllegalArgumentException ex)
            {
                frontEnd.close();
                return usage("--source " + ex.getMessage());
            }
        }
        if (events)
        {
            final EventPrinter printer = new EventPrinter(err, sink);
            sink.addListener(printer);
            frontEnd.refusals(printer::refused);
        }
        try
        {
            frontEnd.start();
        }
        catch (final IOException ex)
        {
            frontEnd.close();
            err.println("sink-cli: cannot listen on " + host + ":" + port + ": " + ex.getMessage());
            return EXIT_USAGE;
        }
        err.println("sink-cli: serving " + (http ? "http" : "tcp") + "://" + hostForUrl(host) + ":" + frontEnd.port() +
            " (format " + (gst != null ? "gst" : input.format) + ", sync-method " + GstNames.of(config.syncMethod()) +
            (input.demo ? ", the built-in demo" : "") +
            ")");
        AdminServer adminServer = null;
        if (adminAddress != null)
        {
            try
            {
                adminServer = new AdminServer(adminAddress, frontEnd, new SinkMetrics(frontEnd, framer, () -> paced, () -> upstream), inputActivity,
                    readyTimeoutNs, httpHandshake == null ? ch -> null : httpHandshake::path);
                adminServer.start();
            }
            catch (final IOException ex)
            {
                frontEnd.close();
                err.println("sink-cli: cannot listen on --admin " + admin + ": " + ex.getMessage());
                return EXIT_USAGE;
            }
            err.println("sink-cli: admin on http://" + hostForUrl(adminAddress.getHostString()) + ":" + adminServer.port() +
                "/ (metrics, healthz, readyz, clients)");
        }
        final StatsPrinter stats = new StatsPrinter(frontEnd, err, () -> paced);
        if (statsIntervalNs > 0)
        {
            stats.start(statsIntervalNs);
        }
        try
        {
            int status = EXIT_OK;
            if (gst != null)
            {
                status = runPipeline(gst);
            }
            else
            {
                final Inputs.Opened opened = Inputs.open(input, stdin, framer::reset, err);
                paced = opened.paced();
                upstream = opened.upstream();
                pump(framer, opened.channel());
                framer.finish();
            }
            if (!sink.drain(drainTimeoutNs))
            {
                final SinkStats s = sink.stats();
                err.println("sink-cli: drain timed out after " + TimeUnit.NANOSECONDS.toMillis(drainTimeoutNs) +
                    " ms with " + s.numHandles() + " clients connected");
            }
            return status;
        }
        catch (final IOException ex)
        {
            err.println("sink-cli: reading input failed: " + ex.getMessage());
            return EXIT_FAILURE;
        }
        catch (final InterruptedException ex)
        {
            err.println("sink-cli: interrupted while draining");
            return EXIT_FAILURE;
        }
        finally
        {
            stats.close();
            frontEnd.close();
            if (adminServer != null)
            {
                adminServer.close();
            }
        }
    }

    /**
     * SIGINT/SIGTERM: end the input like end of file. Closing the channel wakes a read blocked in
     * it (AsynchronousCloseException); the drain that follows is not disturbed.
     */
    void stop()
    {
        stopping = true;
        final GstInput running = pipeline;
        if (running != null)
        {
            running.stop();
        }
        synchronized (pumpLock) // with the pump's exit: an interrupt never reaches the drain
        {
            final Thread producer = pumping;
            if (producer != null && backpressure != null)
            {
                producer.interrupt(); // a render waiting for a client (--backpressure) gives up
            }
        }
        final ReadableByteChannel in = reading;
        if (in != null)
        {
            try
            {
                in.close();
            }
            catch (final IOException ex)
            {
                // ending anyway
            }
        }
    }

    /**
     * Runs a {@code --source gst:} pipeline until it ends (docs/design.md, "GStreamer input"): its
     * appsink's streaming thread is the sink's producer, this thread waits.
     *
     * @return {@link #EXIT_OK} at end of stream or on a signal, {@link #EXIT_FAILURE} when an element failed.
     */
    private int runPipeline(final GstInput gst) throws InterruptedException
    {
        gst.onBuffer(inputActivity::arrived);
        pipeline = gst;
        if (stopping)
        {
            gst.stop(); // a signal before the pipeline was published
        }
        final GstOutcome outcome = gst.run();
        if (outcome.failed())
        {
            err.println("sink-cli: the pipeline failed: " + outcome.message() + "; draining clients");
            return EXIT_FAILURE;
        }
        if (outcome.end() == GstOutcome.End.STOPPED)
        {
            err.println("sink-cli: stopping on signal; draining clients");
        }
        return EXIT_OK;
    }

    /** Reads until end of input, or until {@link #stop()}. */
    private void pump(final Framer framer, final ReadableByteChannel in) throws IOException
    {
        reading = in;
        pumping = Thread.currentThread();
        try
        {
            long rendered = framer.bytesRendered();
            while (!stopping && framer.pump(in))
            {
                // each pump renders what one read completed
                if (framer.bytesRendered() != rendered)
                {
                    rendered = framer.bytesRendered();
                    inputActivity.arrived();
                }
            }
        }
        catch (final ClosedChannelException ex)
        {
            if (!stopping)
            {
                throw ex; // closed under a read (AsynchronousCloseException) or just before one
            }
        }
        finally
        {
            synchronized (pumpLock)
            {
                pumping = null;
            }
        }
        if (stopping)
        {
            Thread.interrupted(); // the stop's interrupt, if any, came before: it must not cut the drain short
            err.println("sink-cli: stopping on signal; draining clients");
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
