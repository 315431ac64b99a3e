package io.fanout.gst;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.format.ProducerPort;
import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.GstObject;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.glib.GError;
import org.freedesktop.gstreamer.glib.Natives;
import org.freedesktop.gstreamer.elements.AppSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Feeds a {@link MultiSocketSink} from a GStreamer pipeline that ends in an {@code appsink}, in
 * the same process (docs/design.md, "GStreamer input"): the Java counterpart of ending a
 * pipeline in {@code tcpserversink} / {@code multisocketsink}.
 * <p>
 * Each sample the appsink receives becomes one sink buffer: the buffer's memory is mapped
 * read-only (no copy by the binding) and copied once, into memory claimed from the sink's ring
 * ({@link MultiSocketSink#claim} and {@link MultiSocketSink#commit}), because GStreamer may reuse
 * it as soon as the sample is released. {@code GST_BUFFER_FLAG_DELTA_UNIT} clear is a keyframe;
 * {@code GST_BUFFER_FLAG_HEADER} is carried as {@code BufferFlags.HEADER} (one equal to the
 * current streamheader is dropped, as {@code render} does); the caps'
 * {@code streamheader} becomes the sink's streamheader, by the rules of the GDP framer
 * (docs/gdp.md §9: caps replace it); PTS and duration are carried in nanoseconds.
 * <p>
 * <b>Threads.</b> The thread that calls {@link #run()} is the sink's producer: it pulls each
 * sample from the appsink ({@code gst_app_sink_pull_sample}, through {@link GstCalls}) and calls {@code claim},
 * {@code commit} and {@code setStreamheader}, so the application must not render into the same
 * sink from another thread while the pipeline runs. (Pulling on a Java thread, rather than
 * rendering in the {@code new-sample} callback on GStreamer's streaming thread, spares a JNA
 * callback per buffer.) {@link #stop()} may be called from any thread. GStreamer's bus
 * messages are handled on whichever thread gst1-java-core delivers them.
 * <p>
 * <b>Ends.</b> End of stream ends the input as end of standard input does; an error message
 * on the bus ends it as failed ({@link GstOutcome#failed()}), with the message and the element
 * that posted it; warnings are reported and the pipeline goes on. The sink is not closed or
 * drained: that is the caller's, as after any input.
 */
public final class GstInput
{
    /** The {@code max-buffers} of the appsink the adapter appends, in buffers. */
    public static final int APPSINK_QUEUE = 64;

    /** The name of the appsink the adapter appends, or finds in a description that has one. */
    public static final String APPSINK_NAME = "fanout";

    private static final Logger LOG = LoggerFactory.getLogger(GstInput.class);
    /** How long {@link #run()} waits for the bus to say why the appsink ran dry, in seconds. */
    private static final long END_TIMEOUT_S = 10;

    private final Pipeline pipeline;
    private final AppSink appsink;
    private final SampleRenderer renderer;
    private final CountDownLatch ended = new CountDownLatch(1);
    private final AtomicReference<GstOutcome> outcome = new AtomicReference<>();
    private volatile Runnable onBuffer = () -> { };

    private GstInput(final Pipeline pipeline, final AppSink appsink, final SampleTarget target, final Consumer<String> reports)
    {
        this.pipeline = pipeline;
        this.appsink = appsink;
        this.renderer = new SampleRenderer(target, reports);
        final Bus bus = pipeline.getBus();
        bus.connect((Bus.EOS)source -> end(new GstOutcome(GstOutcome.End.END_OF_STREAM, null)));
        bus.connect((Bus.ERROR)(source, code, message) ->
            end(new GstOutcome(GstOutcome.End.ERROR, name(source) + ": " + message)));
        bus.connect((Bus.WARNING)(source, code, message) -> reports.accept("gst: warning from " + name(source) + ": " + message));
    }

    /**
     * Any thread: builds the pipeline {@code description ! appsink name=fanout} with
     * {@code gst_parse_launch}, the syntax of {@code gst-launch-1.0}. A description that already
     * has an {@code appsink} named {@value #APPSINK_NAME} is taken as it is, so that its
     * properties (e.g. {@code sync=false}) can be set. The appsink otherwise keeps GStreamer's
     * defaults: {@code sync=true} (buffers leave at their running time, as from any GStreamer
     * sink), and holds at most {@value #APPSINK_QUEUE} buffers ({@code max-buffers}, not dropping):
     * when the producer falls behind, the pipeline waits, as upstream of any GStreamer sink.
     *
     * @param description a pipeline description without a sink, e.g.
     *                    {@code videotestsrc is-live=true ! x264enc tune=zerolatency ! h264parse ! mpegtsmux}.
     * @param sink        the sink to render into; started or not.
     * @param reports     receives one line per problem that does not end the input (warnings, a
     *                    malformed caps streamheader); called on GStreamer's threads.
     * @return the input, not playing yet: see {@link #run()}.
     * @throws GstUnavailableException  when GStreamer's libraries or its appsink cannot be loaded.
     * @throws IllegalArgumentException when the description does not parse (an unknown element,
     *                                  a bad property, bad syntax), with GStreamer's message.
     */
    public static GstInput parseLaunch(final String description, final MultiSocketSink sink, final Consumer<String> reports)
        throws GstUnavailableException
    {
        return parseLaunch(description, SampleTarget.of(ProducerPort.of(Objects.requireNonNull(sink, "sink"))), reports);
    }

    /**
     * As {@link #parseLaunch(String, MultiSocketSink, Consumer)}, rendering into any producer port:
     * a {@link io.fanout.sink.format.GdpPayloader} serves the pipeline's buffers as GDP records.
     *
     * @param description a pipeline description without a sink.
     * @param port        what to render into; the input is its only producer.
     * @param reports     receives one line per problem that does not end the input.
     * @return the input, not playing yet.
     * @throws GstUnavailableException  when GStreamer's libraries or its appsink cannot be loaded.
     * @throws IllegalArgumentException when the description does not parse.
     */
    public static GstInput parseLaunch(final String description, final ProducerPort port, final Consumer<String> reports)
        throws GstUnavailableException
    {
        return parseLaunch(description, SampleTarget.of(Objects.requireNonNull(port, "port")), reports);
    }

    /** {@link #parseLaunch(String, MultiSocketSink, Consumer)} into any target: tests record what the sink would get. */
    static GstInput parseLaunch(final String description, final SampleTarget target, final Consumer<String> reports)
        throws GstUnavailableException
    {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(reports, "reports");
        GstRuntime.init();
        GstRuntime.requireAppSink();
        final boolean hasAppSink = description.matches("(?s).*\\bappsink\\b.*\\bname\\s*=\\s*\"?" + APPSINK_NAME + "\\b.*");
        final String full = hasAppSink ? description : description + " ! appsink name=" + APPSINK_NAME + " max-buffers=" + APPSINK_QUEUE;
        final List<GError> errors = new ArrayList<>();
        final Element element;
        try
        {
            element = Gst.parseLaunch(full, errors);
        }
        catch (final RuntimeException ex) // GstException: the description did not give an element at all
        {
            throw new IllegalArgumentException("gst: " + ex.getMessage(), ex);
        }
        if (!errors.isEmpty() || element == null)
        {
            if (element != null)
            {
                element.dispose();
            }
            throw new IllegalArgumentException("gst: " + (errors.isEmpty() ? "the description gave no pipeline" : errors.get(0).getMessage()));
        }
        final Pipeline pipeline;
        if (element instanceof Pipeline)
        {
            pipeline = (Pipeline)element;
        }
        else
        {
            pipeline = new Pipeline();
            pipeline.add(element);
        }
        final Element named = ((Bin)pipeline).getElementByName(APPSINK_NAME);
        if (!(named instanceof AppSink))
        {
            pipeline.dispose();
            throw new IllegalArgumentException("gst: the element named " + APPSINK_NAME + " must be an appsink");
        }
        return new GstInput(pipeline, (AppSink)named, target, reports);
    }

    /**
     * Any thread, before {@link #run()}: a callback run on the producer (the thread in {@link #run()}) after each
     * rendered buffer (the CLI's input activity, for its readiness check). It must be quick and
     * must not block.
     *
     * @param callback the callback.
     * @return this.
     */
    public GstInput onBuffer(final Runnable callback)
    {
        this.onBuffer = Objects.requireNonNull(callback, "callback");
        return this;
    }

    /**
     * The producer: sets the pipeline playing, then pulls each sample from the appsink and renders
     * it on the calling thread until the pipeline ends: end of stream, an error, or {@link #stop()};
     * then stops it (state NULL). Call once.
     *
     * @return how it ended.
     * @throws InterruptedException when the calling thread is interrupted while waiting for the
     *                              end of a pipeline that failed to start; the pipeline is stopped first.
     */
    public GstOutcome run() throws InterruptedException
    {
        try
        {
            pipeline.play(); // a failed state change posts an error on the bus
            try (SamplePuller puller = new SamplePuller(Natives.getRawPointer(appsink)))
            {
                while (puller.pull(renderer)) // false: end of stream, or flushing after end()
                {
                    onBuffer.run();
                }
            }
            // the bus says why: an error comes before the end of stream that a failing source sends after it
            if (!ended.await(END_TIMEOUT_S, TimeUnit.SECONDS))
            {
                end(appsink.isEOS() ? new GstOutcome(GstOutcome.End.END_OF_STREAM, null) :
                    new GstOutcome(GstOutcome.End.ERROR, "the pipeline stopped without an end of stream or an error"));
            }
        }
        finally
        {
            pipeline.setState(State.NULL);
        }
        return outcome.get();
    }

    /** Any thread: ends {@link #run()} as {@link GstOutcome.End#STOPPED}, unless it ended already. */
    public void stop()
    {
        end(new GstOutcome(GstOutcome.End.STOPPED, null));
    }

    /** @return the pipeline, for tests that probe its elements. */
    Pipeline pipeline()
    {
        return pipeline;
    }

    /** @return buffers rendered so far (any thread). */
    public long buffersRendered()
    {
        return renderer.buffers();
    }

    /** @return buffers rendered so far without DELTA_UNIT, keyframes (any thread). */
    public long keyframesRendered()
    {
        return renderer.keyframes();
    }

    /** @return payload bytes rendered so far (any thread). */
    public long bytesRendered()
    {
        return renderer.bytes();
    }

    /** @return HEADER buffers dropped so far as equal to the streamheader (any thread). */
    public long headerBuffersDropped()
    {
        return renderer.headerBuffersDropped();
    }

    /** @return times the caps changed the streamheader so far (any thread). */
    public long streamheaderChanges()
    {
        return renderer.streamheaderChanges();
    }

    /**
     * Any thread (the caller of {@link #stop()}, GStreamer's bus dispatch, which may be a streaming
     * thread): records the first end, and stops the pipeline from a thread of its own, so that a
     * producer blocked in {@code pullSample} returns (appsink flushes) and no streaming thread
     * waits for itself.
     */
    private void end(final GstOutcome how)
    {
        if (outcome.compareAndSet(null, how))
        {
            if (how.failed())
            {
                LOG.debug("pipeline error: {}", how.message());
            }
            ended.countDown();
            if (how.end() != GstOutcome.End.END_OF_STREAM)
            {
                final Thread stopper = new Thread(() -> pipeline.setState(State.NULL), "fanout-gst-stop");
                stopper.setDaemon(true);
                stopper.start();
            }
        }
    }

    private static String name(final GstObject source)
    {
        return source == null ? "(unknown element)" : source.getName();
    }
}
