package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --source gst:PIPELINE} end to end, against Debian's GStreamer (installed by .ci/run):
 * the CLI runs the pipeline in process and viewers see what a tcpserversink would serve.
 */
@Timeout(120)
class GstSourceIT
{
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LIVE_H264 = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 " +
        "! x264enc tune=zerolatency key-int-max=25 speed-preset=ultrafast ! h264parse";

    @TempDir
    Path dir;

    /**
     * The pipeline: a viewer joining a running stream with latest-keyframe gets PAT, PMT
     * and a keyframe first, and ffprobe decodes what it got without an error; a viewer that was
     * there from the start has every continuity counter in order.
     */
    @Test
    void aLateViewerStartsOnPatPmtKeyframeAndDecodes() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--sync-method", "latest-keyframe",
            "--source", "gst:" + LIVE_H264 + " ! mpegtsmux"))
        {
            final int port = cli.awaitPort();
            final byte[] early;
            final byte[] late;
            try (Viewer first = Viewer.connect(port))
            {
                first.await(ts -> ts.length > 20 * TsCheck.SIZE && TsCheck.pcrProgressSeconds(ts, TsCheck.program(ts).pcrPid()) >= 1.5, "1.5 s of stream", cli);
                try (Viewer joining = Viewer.connect(port))
                {
                    joining.await(ts -> ts.length > 20 * TsCheck.SIZE &&
                        TsCheck.pcrProgressSeconds(ts, TsCheck.program(ts).pcrPid()) >= 2.5, "2.5 s of stream", cli);
                    late = joining.stop();
                }
                early = first.stop();
            }
            TsCheck.assertStartsWithPatPmtKeyframe(late, "a viewer joining 1.5 s in");
            TsCheck.assertContinuity(late, 2, "the joining viewer, after the streamheader");
            TsCheck.assertContinuity(early, 2, "the first viewer, after the streamheader");
            assertDecodes(late, "late");
        }
    }

    /**
     * Tiers keep the metadata: an origin serves GDP (--serve-format gdp) and an edge reads it
     * (--format gdp) without parsing the MPEG-TS; a viewer joining the edge gets the streamheader
     * (PAT, PMT) and a keyframe first, from the flags the origin's pipeline set, and decodes.
     */
    @Test
    void anEdgeReadingGdpFromTheOriginStartsItsViewersOnPatPmtKeyframe() throws Exception
    {
        try (CliProcess origin = CliProcess.start("--port", "0", "--sync-method", "latest-keyframe", "--serve-format", "gdp",
            "--source", "gst:" + LIVE_H264 + " ! mpegtsmux"))
        {
            final int originPort = origin.awaitPort();
            try (CliProcess edge = CliProcess.start("--port", "0", "--sync-method", "latest-keyframe", "--format", "gdp",
                "--source", "tcp://127.0.0.1:" + originPort))
            {
                final int port = edge.awaitPort();
                edge.awaitLine(l -> l.contains("reading from upstream"), WAIT);
                final byte[] late;
                try (Viewer first = Viewer.connect(port))
                {
                    first.await(ts -> ts.length > 20 * TsCheck.SIZE && TsCheck.pcrProgressSeconds(ts, TsCheck.program(ts).pcrPid()) >= 1.5,
                        "1.5 s through the edge", edge);
                    try (Viewer joining = Viewer.connect(port))
                    {
                        joining.await(ts -> ts.length > 20 * TsCheck.SIZE &&
                            TsCheck.pcrProgressSeconds(ts, TsCheck.program(ts).pcrPid()) >= 2.5, "2.5 s through the edge", edge);
                        late = joining.stop();
                    }
                }
                TsCheck.assertStartsWithPatPmtKeyframe(late, "a viewer of a GDP-fed edge");
                TsCheck.assertContinuity(late, 2, "a viewer of a GDP-fed edge");
                assertDecodes(late, "gdp-edge");
            }
        }
    }

    /**
     * The caps streamheader (flvmux: the FLV header, metadata and the AVC sequence header) is
     * what every joining client gets first, and then a keyframe.
     */
    @Test
    void everyJoiningClientGetsTheCapsStreamheaderFirst() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--sync-method", "latest-keyframe",
            "--source", "gst:" + LIVE_H264 + " ! flvmux streamable=true"))
        {
            final int port = cli.awaitPort();
            final byte[][] headers = new byte[2][];
            for (int i = 0; i < 2; i++)
            {
                try (Viewer viewer = Viewer.connect(port))
                {
                    viewer.await(flv -> videoTags(flv) >= 3, "three video tags", cli);
                    final byte[] flv = viewer.stop();
                    assertEquals("FLV", new String(flv, 0, 3, java.nio.charset.StandardCharsets.US_ASCII), "viewer " + i);
                    headers[i] = Arrays.copyOf(flv, headerLength(flv));
                    final int firstFrame = headerLength(flv);
                    assertEquals(9, flv[firstFrame], "viewer " + i + ": then a video tag");
                    assertEquals(0x17, flv[firstFrame + 11] & 0xff, "viewer " + i + ": a keyframe (AVC)");
                    assertEquals(1, flv[firstFrame + 12], "viewer " + i + ": of coded video, not a second header");
                }
            }
            assertArrayEquals(headers[0], headers[1], "the same streamheader for both");
        }
    }

    /** End of stream: clients are drained and the CLI exits 0; what a client got decodes. */
    @Test
    void endOfStreamDrainsAndExitsZero() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--sync-method", "latest-keyframe", "--source",
            "gst:videotestsrc num-buffers=75 ! video/x-raw,width=320,height=240,framerate=25/1 " +
                "! x264enc key-int-max=25 speed-preset=ultrafast ! h264parse ! mpegtsmux"))
        {
            final int port = cli.awaitPort();
            final Viewer viewer = Viewer.connect(port);
            assertEquals(SinkCli.EXIT_OK, cli.awaitExit(WAIT), cli::stderr);
            final byte[] ts = viewer.awaitEnd(cli);
            TsCheck.assertStartsWithPatPmtKeyframe(ts, "a viewer until the end");
            assertDecodes(ts, "eos");
        }
    }

    /** An element error mid-stream: one line naming the element, clients drained, exit 1. */
    @Test
    void anElementErrorDrainsAndExitsOne() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--source",
            "gst:videotestsrc is-live=true num-buffers=1000 ! video/x-raw,format=I420,width=64,height=48 ! identity name=broken error-after=50"))
        {
            final int port = cli.awaitPort();
            final Viewer viewer = Viewer.connect(port);
            assertEquals(SinkCli.EXIT_FAILURE, cli.awaitExit(WAIT), cli::stderr);
            final byte[] raw = viewer.awaitEnd(cli);
            final int frame = 64 * 48 * 3 / 2; // I420
            assertEquals(0, raw.length % frame, "whole frames: " + raw.length);
            assertTrue(raw.length / frame >= 1 && raw.length / frame <= 50, "the frames before the error: " + raw.length / frame);
            final List<String> lines = cli.allLines();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("sink-cli: the pipeline failed: broken: ")), lines::toString);
        }
    }

    /** A description that does not parse: exit 2 with one line naming the element, before listening. */
    @Test
    void anUnknownElementIsAUsageError() throws Exception
    {
        try (CliProcess cli = CliProcess.start("--port", "0", "--source", "gst:videotestsrc ! nosuchelement ! mpegtsmux"))
        {
            assertEquals(SinkCli.EXIT_USAGE, cli.awaitExit(WAIT));
            final List<String> lines = cli.allLines();
            assertEquals(1, lines.size(), lines::toString);
            assertTrue(lines.get(0).contains("no element \"nosuchelement\""), lines::toString);
        }
    }

    // ---- helpers ----

    private void assertDecodes(final byte[] ts, final String name) throws IOException, InterruptedException
    {
        final Path file = dir.resolve(name + ".ts");
        Files.write(file, Arrays.copyOf(ts, TsCheck.lastPesStart(ts, TsCheck.program(ts).videoPid())));
        final Path out = dir.resolve(name + ".frames");
        final Path err = dir.resolve(name + ".errors");
        final Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
            "frame=key_frame", "-of", "csv=p=0", file.toString())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "ffprobe ends");
        assertEquals(0, probe.exitValue(), Files.readString(err));
        assertEquals("", Files.readString(err).strip(), name + ": ffprobe reported errors");
        final List<String> frames = Files.readAllLines(out).stream().filter(l -> !l.isBlank()).toList();
        assertTrue(frames.size() >= 10, name + ": frames decoded " + frames.size());
        assertEquals("1", frames.get(0).split(",")[0].strip(), name + ": the first frame is a keyframe");
        System.out.printf("%s: %d frames decoded, the first a keyframe%n", name, frames.size());
    }

    /** @return the bytes before the first coded video frame: FLV header and the header tags. */
    private static int headerLength(final byte[] flv)
    {
        int at = 9 + 4;
        while (at + 11 < flv.length)
        {
            final int size = (flv[at + 1] & 0xff) << 16 | (flv[at + 2] & 0xff) << 8 | flv[at + 3] & 0xff;
            if (flv[at] == 9 && flv[at + 12] == 1)
            {
                return at; // AVCPacketType 1: coded video
            }
            at += 11 + size + 4;
        }
        return flv.length;
    }

    private static int videoTags(final byte[] flv)
    {
        if (flv.length < 13)
        {
            return 0;
        }
        int count = 0;
        int at = 9 + 4;
        while (at + 11 < flv.length)
        {
            final int size = (flv[at + 1] & 0xff) << 16 | (flv[at + 2] & 0xff) << 8 | flv[at + 3] & 0xff;
            if (at + 11 + size + 4 > flv.length)
            {
                break;
            }
            count += flv[at] == 9 ? 1 : 0;
            at += 11 + size + 4;
        }
        return count;
    }

    /** A loopback viewer reading on its own thread. */
    private static final class Viewer implements AutoCloseable
    {
        private final SocketChannel channel;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final Thread reader;
        private volatile boolean ended;

        private Viewer(final SocketChannel channel)
        {
            this.channel = channel;
            this.reader = new Thread(this::readAll, "viewer");
            reader.start();
        }

        static Viewer connect(final int port) throws IOException
        {
            return new Viewer(SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        }

        private void readAll()
        {
            final ByteBuffer buffer = ByteBuffer.allocate(65536);
            try
            {
                while (channel.read(buffer.clear()) >= 0)
                {
                    synchronized (received)
                    {
                        received.write(buffer.array(), 0, buffer.position());
                    }
                }
            }
            catch (final IOException ex)
            {
                // closed by stop()
            }
            ended = true;
        }

        synchronized byte[] bytes()
        {
            synchronized (received)
            {
                return received.toByteArray();
            }
        }

        void await(final Predicate<byte[]> condition, final String what, final CliProcess cli) throws InterruptedException
        {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (!condition.test(bytes()))
            {
                if (System.nanoTime() - deadline > 0 || ended)
                {
                    throw new AssertionError("viewer: no " + what + " (" + bytes().length + " bytes); " + cli.stderr());
                }
                Thread.sleep(20); // polling a condition with a deadline
            }
        }

        byte[] awaitEnd(final CliProcess cli) throws InterruptedException
        {
            reader.join(WAIT.toMillis());
            assertTrue(ended, () -> "the server closed the viewer; " + cli.stderr());
            return bytes();
        }

        byte[] stop() throws IOException, InterruptedException
        {
            channel.close();
            reader.join(WAIT.toMillis());
            return bytes();
        }

        @Override
        public void close() throws IOException
        {
            channel.close();
        }
    }
}
