package io.fanout.gst.example;

import io.fanout.gst.GstInput;
import io.fanout.gst.GstOutcome;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.TcpServerSink;

import java.net.InetSocketAddress;

/** The README's example: a GStreamer pipeline served to TCP viewers, in one process. */
public final class ServeTestPattern
{
    public static void main(final String[] args) throws Exception
    {
        final GstOutcome outcome = serve(new InetSocketAddress("127.0.0.1", 4953),
            "videotestsrc is-live=true ! x264enc tune=zerolatency key-int-max=30 ! h264parse ! mpegtsmux");
        System.exit(outcome.failed() ? 1 : 0);
    }

    public static GstOutcome serve(final InetSocketAddress address, final String pipeline) throws Exception
    {
        final SinkConfig config = SinkConfig.builder().syncMethod(SyncMethod.LATEST_KEYFRAME).build();
        try (TcpServerSink server = new TcpServerSink(config, address))
        {
            server.start();
            final GstInput input = GstInput.parseLaunch(pipeline, server.sink(), System.err::println);
            final Thread stop = new Thread(input::stop);
            Runtime.getRuntime().addShutdownHook(stop); // Ctrl-C: end the input, then drain
            final GstOutcome outcome = input.run(); // this thread renders until the pipeline ends
            server.sink().drain(1_000_000_000L); // let viewers take what is queued, 1 s at most
            Runtime.getRuntime().removeShutdownHook(stop);
            return outcome;
        }
    }
}
