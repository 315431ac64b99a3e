package io.fanout.gst;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.Buffer;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapter against Debian's GStreamer (installed by .ci/run): real pipelines, a recording
 * target in place of the sink.
 */
@Timeout(60)
class GstInputTest
{
    /** What the sink would have been given, in order (the streaming thread writes, the test reads after run). */
    static final class Recording implements SampleTarget
    {
        final List<int[]> buffers = Collections.synchronizedList(new ArrayList<>()); // {flags, length}
        final List<Long> keyframePts = Collections.synchronizedList(new ArrayList<>());
        final List<ByteBuffer[]> streamheaders = Collections.synchronizedList(new ArrayList<>());
        final List<long[]> times = Collections.synchronizedList(new ArrayList<>()); // {pts, duration}

        @Override
        public void copy(final ByteBuffer data, final int flags, final long ptsNs, final long durationNs)
        {
            buffers.add(new int[] {flags, data.remaining()});
            times.add(new long[] {ptsNs, durationNs});
            if ((flags & BufferFlags.DELTA_UNIT) == 0)
            {
                keyframePts.add(ptsNs);
            }
        }

        @Override
        public void setStreamheader(final ByteBuffer... headers)
        {
            streamheaders.add(headers);
        }
    }

    @Test
    void keyframeFlagsMatchTheEncodersOneForOne() throws Exception
    {
        final Recording recording = new Recording();
        final List<String> reports = Collections.synchronizedList(new ArrayList<>());
        final GstInput input = GstInput.parseLaunch(
            "videotestsrc num-buffers=100 ! video/x-raw,width=320,height=240,framerate=25/1 " +
                "! x264enc key-int-max=25 speed-preset=ultrafast ! h264parse name=parse ! mpegtsmux " +
                "! appsink name=fanout sync=false", recording, reports::add);
        final List<Long> encoderKeyframes = Collections.synchronizedList(new ArrayList<>());
        final Pad parsed = ((Bin)input.pipeline()).getElementByName("parse").getStaticPad("src");
        parsed.addProbe(PadProbeType.BUFFER, (pad, info) ->
        {
            final Buffer buffer = info.getBuffer();
            if (!buffer.getFlags().contains(org.freedesktop.gstreamer.BufferFlags.DELTA_UNIT))
            {
                encoderKeyframes.add(buffer.getPresentationTimestamp());
            }
            return PadProbeReturn.OK;
        });
        final GstOutcome outcome = input.run();
        assertEquals(GstOutcome.End.END_OF_STREAM, outcome.end(), String.valueOf(outcome));
        assertEquals(4, encoderKeyframes.size(), "100 frames, a keyframe every 25: " + encoderKeyframes);
        assertEquals(encoderKeyframes.size(), recording.keyframePts.size(), "keyframes the sink saw: " + recording.keyframePts);
        for (int i = 0; i < encoderKeyframes.size(); i++)
        {
            // mpegtsmux restamps in running time; the spacing of the keyframes is the encoder's
            assertEquals(encoderKeyframes.get(i) - encoderKeyframes.get(0), recording.keyframePts.get(i) - recording.keyframePts.get(0));
        }
        assertTrue(recording.buffers.size() > 100, "mpegtsmux pushes packets: " + recording.buffers.size());
        assertEquals(recording.buffers.size(), input.buffersRendered());
        assertEquals(4, input.keyframesRendered());
        assertEquals(recording.buffers.stream().mapToLong(b -> b[1]).sum(), input.bytesRendered());
        assertEquals(List.of(), reports);
    }

    /** Timestamps, sizes and flags read from GStreamer's structures arrive as GStreamer set them. */
    @Test
    void rawFramesCarryTheirTimestampsDurationsAndSizes() throws Exception
    {
        final Recording recording = new Recording();
        final GstInput input = GstInput.parseLaunch(
            "videotestsrc num-buffers=10 ! video/x-raw,format=I420,width=16,height=16,framerate=25/1 ! appsink name=fanout sync=false",
            recording, line -> { });
        assertEquals(GstOutcome.End.END_OF_STREAM, input.run().end());
        assertEquals(10, recording.buffers.size());
        for (int i = 0; i < 10; i++)
        {
            assertEquals(16 * 16 * 3 / 2, recording.buffers.get(i)[1], "an I420 frame's bytes");
            assertEquals(BufferFlags.NONE, recording.buffers.get(i)[0], "raw video: every frame a keyframe");
            assertEquals(i * 40_000_000L, recording.times.get(i)[0], "PTS of frame " + i);
            assertEquals(40_000_000L, recording.times.get(i)[1], "duration at 25 fps");
        }
    }

    @Test
    void aClientGetsEveryByteIntactThroughARealSink() throws Exception
    {
        try (MultiSocketSink sink = new MultiSocketSink(SinkConfig.builder().build());
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress()))
        {
            sink.start();
            final SocketChannel accepted = server.accept();
            sink.add(accepted);
            final GstInput input = GstInput.parseLaunch(
                "videotestsrc num-buffers=100 ! x264enc speed-preset=ultrafast key-int-max=25 ! h264parse ! mpegtsmux " +
                    "! appsink name=fanout sync=false", sink, line -> { });
            final java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            final Thread reader = new Thread(() ->
            {
                final ByteBuffer chunk = ByteBuffer.allocate(65536);
                try
                {
                    while (client.read(chunk.clear()) >= 0)
                    {
                        received.write(chunk.array(), 0, chunk.position());
                    }
                }
                catch (final java.io.IOException ex)
                {
                    // the sink closed the socket
                }
            });
            reader.start();
            assertEquals(GstOutcome.End.END_OF_STREAM, input.run().end());
            assertTrue(sink.drain(10_000_000_000L));
            sink.close();
            accepted.close(); // the application's socket (multisocketsink does not close what it was given)
            reader.join(10_000);
            assertFalse(reader.isAlive());
            final byte[] bytes = received.toByteArray();
            assertEquals(0, bytes.length % 188);
            // the streamheader (PAT, PMT: 376 bytes) first, then every rendered byte
            assertEquals(input.bytesRendered() + 376, bytes.length);
            assertEquals(0, continuityErrors(bytes), "continuity counters over " + bytes.length / 188 + " packets");
        }
    }

    /** @return TS packets whose continuity counter does not follow the previous one of their PID. */
    private static int continuityErrors(final byte[] ts)
    {
        final int[] last = new int[8192];
        java.util.Arrays.fill(last, -1);
        int errors = 0;
        for (int at = 0; at + 188 <= ts.length; at += 188)
        {
            assertEquals(0x47, ts[at] & 0xff, "sync byte at " + at);
            final int pid = (ts[at + 1] & 0x1f) << 8 | ts[at + 2] & 0xff;
            final int cc = ts[at + 3] & 0x0f;
            if ((ts[at + 3] & 0x10) == 0)
            {
                continue; // no payload: the counter does not move
            }
            if (last[pid] >= 0 && cc != (last[pid] + 1 & 0x0f))
            {
                errors++;
            }
            last[pid] = cc;
        }
        return errors;
    }

    @Test
    void mpegtsmuxCapsStreamheaderIsPatThenPmt() throws Exception
    {
        final Recording recording = new Recording();
        final GstInput input = GstInput.parseLaunch(
            "videotestsrc num-buffers=10 ! x264enc speed-preset=ultrafast ! h264parse ! mpegtsmux ! appsink name=fanout sync=false",
            recording, line -> { });
        assertEquals(GstOutcome.End.END_OF_STREAM, input.run().end());
        assertFalse(recording.streamheaders.isEmpty());
        final ByteBuffer[] header = recording.streamheaders.get(recording.streamheaders.size() - 1);
        assertEquals(2, header.length);
        assertEquals(0x47, header[0].get(0) & 0xff);
        assertEquals(0, (header[0].get(1) & 0x1f) << 8 | header[0].get(2) & 0xff, "PAT on PID 0");
        final int pat = sectionStart(header[0]);
        assertEquals(0x00, header[0].get(pat) & 0xff, "table id 0: the PAT");
        final int pmtPid = (header[0].get(pat + 10) & 0x1f) << 8 | header[0].get(pat + 11) & 0xff; // its first program
        assertEquals(0x47, header[1].get(0) & 0xff);
        assertEquals(pmtPid, (header[1].get(1) & 0x1f) << 8 | header[1].get(2) & 0xff, "then the PMT the PAT names");
        assertEquals(input.streamheaderChanges(), recording.streamheaders.size());
    }

    @Test
    void flvmuxCapsStreamheaderStartsWithTheFlvHeader() throws Exception
    {
        final Recording recording = new Recording();
        final GstInput input = GstInput.parseLaunch(
            "videotestsrc num-buffers=10 ! x264enc speed-preset=ultrafast ! h264parse ! flvmux streamable=true ! appsink name=fanout sync=false",
            recording, line -> { });
        assertEquals(GstOutcome.End.END_OF_STREAM, input.run().end());
        assertFalse(recording.streamheaders.isEmpty());
        final ByteBuffer first = recording.streamheaders.get(recording.streamheaders.size() - 1)[0];
        assertEquals('F', first.get(0));
        assertEquals('L', first.get(1));
        assertEquals('V', first.get(2));
    }

    @Test
    void anElementErrorEndsTheInputAsFailedWithItsMessage() throws Exception
    {
        final Recording recording = new Recording();
        final GstInput input = GstInput.parseLaunch("videotestsrc num-buffers=1000 ! identity name=broken error-after=20",
            recording, line -> { });
        final GstOutcome outcome = input.run();
        assertTrue(outcome.failed(), String.valueOf(outcome));
        assertTrue(outcome.message().startsWith("broken: "), outcome.message());
        assertTrue(recording.buffers.size() >= 19 && recording.buffers.size() < 1000, "rendered before the error: " + recording.buffers.size());
    }

    @Test
    void aDescriptionThatDoesNotParseIsAnIllegalArgumentNamingTheElement()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GstInput.parseLaunch("videotestsrc ! nosuchelement", new Recording(), line -> { }));
        assertTrue(ex.getMessage().contains("nosuchelement"), ex.getMessage());
        final IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
            () -> GstInput.parseLaunch("videotestsrc ! ! !", new Recording(), line -> { }));
        assertTrue(syntax.getMessage().startsWith("gst: "), syntax.getMessage());
    }

    @Test
    void theElementNamedFanoutMustBeAnAppsink()
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> GstInput.parseLaunch("videotestsrc ! tee name=t ! queue ! appsink t. ! queue ! identity name=fanout ! fakesink", new Recording(), line -> { }));
        assertTrue(ex.getMessage().contains("must be an appsink"), ex.getMessage());
    }

    @Test
    void stopEndsALivePipelineFromAnotherThread() throws Exception
    {
        final Recording recording = new Recording();
        final GstInput input = GstInput.parseLaunch("videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=50/1",
            recording, line -> { });
        final GstOutcome[] outcome = new GstOutcome[1];
        final Thread runner = new Thread(() ->
        {
            try
            {
                outcome[0] = input.run();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        });
        runner.start();
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (input.buffersRendered() < 5 && System.nanoTime() < deadline)
        {
            Thread.onSpinWait();
        }
        assertTrue(input.buffersRendered() >= 5, "rendered " + input.buffersRendered());
        input.stop();
        runner.join(20_000);
        assertFalse(runner.isAlive());
        assertNotNull(outcome[0]);
        assertEquals(GstOutcome.End.STOPPED, outcome[0].end());
        assertNull(outcome[0].message());
        final long after = input.buffersRendered();
        assertEquals(after, recording.buffers.size(), "nothing rendered after run returned");
    }

    /** @return the index of a TS packet's first section byte (after the adaptation field and the pointer field). */
    private static int sectionStart(final ByteBuffer packet)
    {
        int at = 4;
        if ((packet.get(3) & 0x20) != 0)
        {
            at += 1 + (packet.get(4) & 0xff);
        }
        return at + 1 + (packet.get(at) & 0xff);
    }
}
