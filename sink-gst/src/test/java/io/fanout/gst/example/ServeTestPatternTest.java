package io.fanout.gst.example;

import io.fanout.gst.GstOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's example runs: a finite pipeline through it ends at end of stream. */
@Timeout(60)
class ServeTestPatternTest
{
    @Test
    void theExampleServesAPipelineToItsEnd() throws Exception
    {
        final GstOutcome outcome = ServeTestPattern.serve(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            "videotestsrc num-buffers=30 ! x264enc speed-preset=ultrafast ! h264parse ! mpegtsmux");
        assertEquals(GstOutcome.End.END_OF_STREAM, outcome.end());
    }
}
