package io.fanout.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CLI with real peers: ffmpeg makes H.264 MPEG-TS, GStreamer makes GDP, ffprobe clients join
 * at different moments and must decode every frame they get without an error. Needs ffmpeg,
 * ffprobe and gst-launch-1.0 (with x264enc, mpegtsmux, gdppay) on the PATH: {@code .ci/run}
 * installs them from Debian; under CI their absence fails the test instead of skipping it.
 */
@Timeout(180)
class RealPeersIT
{
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int JOINS = 3;

    @TempDir
    static Path dir;
    static Path ts;

    @BeforeAll
    static void makeVideo() throws Exception
    {
        requireTool("ffmpeg");
        requireTool("ffprobe");
        ts = dir.resolve("in.ts");
        run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "8",
            "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "mpegts", ts.toString()), null);
    }

    @Test
    void ffprobeViewersJoiningOverTcpStartOnPatPmtAndAKeyframeAndDecodeEveryFrame() throws Exception
    {
        viewersJoiningAtDifferentMoments(false);
    }

    @Test
    void ffprobeViewersJoiningOverHttpStartOnPatPmtAndAKeyframeAndDecodeEveryFrame() throws Exception
    {
        viewersJoiningAtDifferentMoments(true);
    }

    private void viewersJoiningAtDifferentMoments(final boolean http) throws Exception
    {
        final byte[] input = Files.readAllBytes(ts);
        final List<String> args = new ArrayList<>(List.of("--port", "0", "--events", "--format", "mpegts",
            "--sync-method", "latest-keyframe"));
        if (http)
        {
            args.add("--http");
        }
        try (CliProcess cli = CliProcess.start(args.toArray(new String[0])))
        {
            final int port = cli.awaitPort();
            final String url = (http ? "http" : "tcp") + "://127.0.0.1:" + port + (http ? "/" : "");
            final List<CompletableFuture<byte[]>> captures = new ArrayList<>();
            final List<Process> probes = new ArrayList<>();
            final List<Path> probeOutputs = new ArrayList<>();
            final List<Integer> decoded = new ArrayList<>();
            final int part = (input.length / (JOINS + 1) / TsPackets.SIZE) * TsPackets.SIZE;
            // a client from the start paces the test: a viewer joins only once the sink has served
            // the part written before it, so each joins at a different moment of the stream
            final Clients.Capture pacer = Clients.capture(port, http ? "GET / HTTP/1.0\r\n\r\n" : null);
            cli.awaitLine(l -> l.contains("\"event\":\"client-added\""), WAIT);
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                for (int join = 0; join < JOINS; join++)
                {
                    stdin.write(input, join * part, part); // the stream runs a while before each join
                    stdin.flush();
                    pacer.awaitReceived((long)(join + 1) * part, WAIT);
                    captures.add(Clients.readToEnd(port, http ? "GET / HTTP/1.0\r\n\r\n" : null));
                    final Path out = dir.resolve("probe-" + http + "-" + join + ".txt");
                    probeOutputs.add(out);
                    probes.add(new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", url)
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start());
                    for (int i = 0; i < 2; i++)
                    {
                        cli.awaitLine(l -> l.contains("\"event\":\"client-added\""), WAIT);
                    }
                }
                stdin.write(input, JOINS * part, input.length - JOINS * part);
            }
            assertEquals(0, cli.awaitExit(WAIT), () -> "stderr: " + cli.stderr());
            for (int join = 0; join < JOINS; join++)
            {
                byte[] capture = captures.get(join).get(60, TimeUnit.SECONDS);
                if (http)
                {
                    final String head = "HTTP/1.0 200 OK\r\nContent-Type: video/mp2t\r\n";
                    assertTrue(new String(capture, 0, head.length(), StandardCharsets.ISO_8859_1).equals(head),
                        "HTTP head with the MPEG-TS content type");
                    final int body = indexOf(capture, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)) + 4;
                    capture = java.util.Arrays.copyOfRange(capture, body, capture.length);
                }
                assertFirstPacketsArePatPmtKeyframe(capture, "viewer " + join);
                final Process probe = probes.get(join);
                assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "ffprobe ends with the stream");
                // ffmpeg 5.1's HTTP client logs this at the end of any live response without a
                // Content-Length (it expects one); it is the end of the stream, not a decode error
                final String report = Files.readString(probeOutputs.get(join)).lines()
                    .filter(l -> !(http && l.contains("Stream ends prematurely")))
                    .collect(java.util.stream.Collectors.joining("\n")).strip();
                assertEquals(0, probe.exitValue(), "ffprobe: " + report);
                final int frames = framesDecoded(report);
                assertTrue(frames >= 25, "at least a second of frames decoded: " + report);
                decoded.add(frames);
            }
            assertTrue(decoded.get(0) > decoded.get(JOINS - 1), "later viewers joined later: " + decoded);
            System.out.println("viewers over " + (http ? "http" : "tcp") + " decoded frames: " + decoded);
        }
    }

    @Test
    void gdpFromGstreamerReachesAViewerWithItsStreamheaderAndKeyframes() throws Exception
    {
        requireTool("gst-launch-1.0");
        final Path gdp = dir.resolve("in.gdp");
        run(List.of("gst-launch-1.0", "-q", "videotestsrc", "num-buffers=200", "!",
            "video/x-raw,width=320,height=240,framerate=25/1", "!", "x264enc", "key-int-max=25", "!", "h264parse",
            "!", "mpegtsmux", "!", "gdppay", "!", "filesink", "location=" + gdp), null);
        final byte[] input = Files.readAllBytes(gdp);
        try (CliProcess cli = CliProcess.start("--port", "0", "--events", "--format", "gdp",
            "--sync-method", "latest-keyframe"))
        {
            final int port = cli.awaitPort();
            final int half = input.length / 2;
            final CompletableFuture<byte[]> capture;
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                stdin.write(input, 0, half); // records cut anywhere: the framer reassembles them
                stdin.flush();
                capture = Clients.readToEnd(port);
                cli.awaitLine(l -> l.contains("\"event\":\"client-added\""), WAIT);
                stdin.write(input, half, input.length - half);
            }
            assertEquals(0, cli.awaitExit(WAIT), () -> "stderr: " + cli.stderr());
            final byte[] bytes = capture.get(60, TimeUnit.SECONDS);
            assertFirstPacketsArePatPmtKeyframe(bytes, "GDP viewer");
            final Path received = dir.resolve("gdp-viewer.ts");
            Files.write(received, bytes);
            final String report = probe(received);
            assertTrue(framesDecoded(report) >= 25, "ffprobe decodes the viewer's stream: '" + report + "'");
        }
    }

    /**
     * ffprobe's report with {@code -v error}: the frame count (once per section that lists the
     * stream) and nothing else; any other line is an error ffprobe met while decoding.
     */
    private static int framesDecoded(final String report)
    {
        int frames = -1;
        for (final String line : report.split("\\R"))
        {
            if (line.isBlank())
            {
                continue;
            }
            assertTrue(line.strip().matches("\\d+"), "ffprobe reported an error: '" + report + "'");
            frames = Integer.parseInt(line.strip());
        }
        assertTrue(frames >= 0, "ffprobe reported no frame count: '" + report + "'");
        return frames;
    }

    /** docs/semantics.md §7 with A.2.4: the streamheader (PAT, PMT) first, then a keyframe: a video packet with random access. */
    private static void assertFirstPacketsArePatPmtKeyframe(final byte[] capture, final String who)
    {
        assertTrue(capture.length > 10 * TsPackets.SIZE, who + " received a stream: " + capture.length + " bytes");
        final List<TsPackets.Packet> first = TsPackets.first(capture, 0, 3);
        assertEquals(0, first.get(0).pid(), who + ": PAT first " + first);
        assertEquals(TsPackets.pmtPid(capture, 0), first.get(1).pid(), who + ": then the PMT " + first);
        assertTrue(first.get(2).randomAccess(), who + ": then a keyframe's packet " + first);
    }

    private static String probe(final Path file) throws IOException, InterruptedException
    {
        final Path out = dir.resolve(file.getFileName() + ".probe");
        run(List.of("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
            "stream=nb_read_frames", "-of", "csv=p=0", file.toString()), out);
        return Files.readString(out).strip();
    }

    private static void run(final List<String> command, final Path output) throws IOException, InterruptedException
    {
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        final Path log = output != null ? output : Files.createTempFile(dir, "cmd", ".log");
        builder.redirectOutput(log.toFile());
        final Process process = builder.start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, process.exitValue(), command + ": " + Files.readString(log));
    }

    private static void requireTool(final String tool)
    {
        boolean found = false;
        for (final String path : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        {
            found |= new File(path, tool).canExecute();
        }
        if (System.getenv("CI") != null)
        {
            assertTrue(found, tool + " must be installed by .ci/run");
        }
        assumeTrue(found, tool + " is not installed (apt-get install ffmpeg gstreamer1.0-tools ...)");
    }

    private static int indexOf(final byte[] haystack, final byte[] needle)
    {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++)
        {
            for (int j = 0; j < needle.length; j++)
            {
                if (haystack[i + j] != needle[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
