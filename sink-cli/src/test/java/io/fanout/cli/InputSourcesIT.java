package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The CLI's input sources end to end, through the packaged jar: the built-in demo ({@code --demo},
 * and a bare command on a terminal), a file ({@code --source file:}) looped with its MPEG-TS kept
 * continuous, pacing ({@code --pace}, {@code --rate}) at the stream's rate, and back-pressure
 * ({@code --backpressure}) that loses nothing, or, bounded, removes only the stalled client.
 * Clients are loopback sockets; what they capture is checked packet by packet ({@link TsCheck}) and
 * decoded by ffprobe. Needs ffmpeg and ffprobe on the PATH, and util-linux's {@code script} for the
 * terminal: {@code .ci/run} installs them from Debian; under CI their absence fails the test
 * instead of skipping it.
 */
@Timeout(120)
class InputSourcesIT
{
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String HTTP_GET = "GET / HTTP/1.0\r\n\r\n";
    /** The rate of the CBR file {@link #cbrFile} makes, in bit/s (its -muxrate). */
    private static final double CBR_BITS = 4_500_000;
    private static final Pattern SERVING = Pattern.compile("serving (?:tcp|http)://[^:\\s]+:(\\d+)");

    @TempDir
    Path dir;

    // ---- the built-in demo ----

    @Test
    void demoOverTcpDecodesAcrossLoopPoints() throws Exception
    {
        demoDecodesAcrossLoopPoints(false);
    }

    @Test
    void demoOverHttpDecodesAcrossLoopPoints() throws Exception
    {
        demoDecodesAcrossLoopPoints(true);
    }

    /**
     * About 10.5 s of the demo (a 4 s loop: at least two loop points) from a viewer that joins at
     * once: PAT, PMT, then video from a keyframe; continuity counters, PCRs and DTSs go on across
     * the loop points; ffprobe decodes every frame without an error, and each media type's
     * presentation times strictly increase. A viewer joining 5 s in starts on PAT, PMT and a
     * keyframe's packet.
     */
    private void demoDecodesAcrossLoopPoints(final boolean http) throws Exception
    {
        requireTool("ffprobe");
        final List<String> args = new ArrayList<>(List.of("--demo", "--port", "0"));
        if (http)
        {
            args.add("--http");
        }
        final byte[] ts;
        final byte[] late;
        try (CliProcess cli = CliProcess.start(args.toArray(new String[0])))
        {
            final int port = cli.awaitPort();
            try (Viewer viewer = Viewer.connect(port, http ? HTTP_GET : null))
            {
                viewer.await(bytes -> streamSeconds(body(bytes, http)) >= 5, WAIT, "5 s of the demo's PCR", cli);
                // a second viewer joins mid-stream, after the first loop point: it starts on a keyframe
                try (Viewer joining = Viewer.connect(port, http ? HTTP_GET : null))
                {
                    joining.await(bytes -> streamSeconds(body(bytes, http)) >= 0.5, WAIT, "0.5 s of the demo's PCR", cli);
                    late = body(joining.stop(), http);
                }
                viewer.await(bytes -> streamSeconds(body(bytes, http)) >= 10.5, WAIT, "10.5 s of the demo's PCR", cli);
                final byte[] response = viewer.stop();
                if (http)
                {
                    final String head = new String(response, 0, Math.min(response.length, 512), StandardCharsets.ISO_8859_1);
                    assertTrue(head.startsWith("HTTP/1.0 200 OK\r\n"), "HTTP 200 first: " + head);
                    assertTrue(head.contains("Content-Type: video/mp2t\r\n"), "the MPEG-TS content type: " + head);
                }
                ts = body(response, http);
            }
            assertTrue(cli.process.isAlive(), () -> "the demo serves forever: " + cli.stderr());
        }
        final String who = "demo over " + (http ? "http" : "tcp");
        // the first viewer may join before the demo's first buffer: that one is a keyframe too (no PMT known yet)
        TsCheck.assertStartsWithPatPmtThenVideoAtAKeyframe(ts, who);
        TsCheck.assertStartsWithPatPmtKeyframe(late, who + ", a viewer joining mid-stream");
        final TsCheck.Program program = TsCheck.program(ts);
        assertEquals(2, program.streams().size(), who + ": video and audio " + program);
        TsCheck.assertContinuity(ts, 2, who);
        TsCheck.assertPcrsIncrease(ts, program.pcrPid(), 0.5, who);
        for (final int pid : program.streams().keySet())
        {
            TsCheck.assertTimestampsIncrease(ts, pid, false, 1.0, who);
        }
        final Map<String, List<Double>> frames = decode(ts, program.videoPid(), "demo-" + (http ? "http" : "tcp"));
        assertTrue(span(frames.get("video")) > 8, who + ": video frames span more than two loops of 4 s: " +
            span(frames.get("video")) + " s");
        assertTrue(span(frames.get("audio")) > 8, who + ": audio frames too: " + span(frames.get("audio")) + " s");
    }

    // ---- a file, looped ----

    /**
     * A 2 s file looped and paced: about 5 s of it (at least two loop points) keep every PID's
     * continuity counter, the PCR and each stream's PTS and DTS going on, and decode cleanly.
     */
    @Test
    void loopKeepsContinuityCountersOnEveryPid() throws Exception
    {
        requireTool("ffmpeg");
        requireTool("ffprobe");
        final Path file = dir.resolve("two-seconds.ts");
        run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi",
            "-i", "sine", "-t", "2", "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-f", "mpegts", file.toString()));
        final byte[] ts;
        try (CliProcess cli = CliProcess.start("--source", "file:" + file, "--format", "mpegts", "--loop", "--pace",
            "--port", "0");
             Viewer viewer = Viewer.connect(cli.awaitPort(), null))
        {
            viewer.await(bytes -> streamSeconds(bytes) >= 5, WAIT, "5 s of the looped file's PCR", cli);
            ts = viewer.stop();
            assertTrue(cli.process.isAlive(), () -> "--loop reads the file forever: " + cli.stderr());
        }
        final String who = "looped file";
        final TsCheck.Program program = TsCheck.program(ts);
        assertEquals(0, TsPackets.first(ts, 0, 1).get(0).pid(), who + ": the streamheader's PAT first");
        assertEquals(program.pmtPid(), TsPackets.first(ts, TsCheck.SIZE, 1).get(0).pid(), who + ": then its PMT");
        final int checked = TsCheck.assertContinuity(ts, 2, who);
        assertTrue(checked > 100, who + ": packets checked " + checked);
        TsCheck.assertPcrsIncrease(ts, program.pcrPid(), 0.5, who);
        for (final int pid : program.streams().keySet())
        {
            TsCheck.assertTimestampsIncrease(ts, pid, true, 1.0, who); // no B-frames: PTS in decoding order too
        }
        final Map<String, List<Double>> frames = decode(ts, program.videoPid(), "looped");
        assertTrue(span(frames.get("video")) > 4, who + ": video frames across two loop points: " +
            span(frames.get("video")) + " s");
    }

    // ---- pacing ----

    /**
     * A 14 s CBR file at 4.5 Mbit/s, paced: a viewer from the start receives it at 4.5 Mbit/s
     * (within 5 % from its first to its eleventh second), each PCR arrives within 100 ms of its
     * stream time, and a viewer that joins 3 s later starts on PAT, PMT and a keyframe.
     */
    @Test
    void paceServesAtTheStreamRate() throws Exception
    {
        final Path file = cbrFile();
        try (CliProcess cli = CliProcess.start("--source", "file:" + file, "--format", "mpegts", "--pace",
            "--sync-method", "latest-keyframe", "--port", "0"))
        {
            final int port = cli.awaitPort();
            try (Viewer first = Viewer.connect(port, null))
            {
                first.awaitReceived((long)(3 * CBR_BITS / 8), WAIT, cli); // three seconds of the stream in
                final byte[] late;
                try (Viewer second = Viewer.connect(port, null))
                {
                    final byte[] ts = first.awaitEnd(WAIT); // the file ends after 14 s: so does the stream
                    late = second.awaitEnd(WAIT);
                    assertEquals(0, cli.awaitExit(WAIT), () -> "stderr: " + cli.stderr());
                    assertRate(first, first.connectedNs(), 1, 11, "the paced file");
                    assertPcrsOnTime(first, ts, first.connectedNs() + TimeUnit.SECONDS.toNanos(1));
                }
                TsCheck.assertStartsWithPatPmtKeyframe(late, "the viewer joining 3 s late");
            }
        }
    }

    /** The same file on standard input, as from {@code cat}: paced by its PCR too. */
    @Test
    void paceOnStandardInputServesAtTheStreamRate() throws Exception
    {
        final byte[] input = Files.readAllBytes(cbrFile());
        try (CliProcess cli = CliProcess.start("--format", "mpegts", "--pace", "--port", "0", "--events");
             Viewer viewer = Viewer.connect(cli.awaitPort(), null))
        {
            awaitAdded(cli, 1);
            final CompletableFuture<Long> feed = feed(cli, input); // blocks while the CLI paces
            viewer.awaitReceived((long)(6.5 * CBR_BITS / 8), WAIT, cli);
            final long start = viewer.arrivalNs(0);
            assertRate(viewer, start, 1, 6, "the paced standard input");
            assertFalse(feed.isDone(), "the writer is held back by the pacing, not done after 6.5 s of 14 s");
            assertPcrsOnTime(viewer, viewer.bytes(), start + TimeUnit.SECONDS.toNanos(1));
        }
    }

    /** {@code --rate} paces bytes without timestamps: raw at 4.5 Mbit/s, every byte served. */
    @Test
    void rateServesRawBytesAtTheGivenBitRate() throws Exception
    {
        final byte[] input = new byte[(int)(6 * CBR_BITS / 8)]; // six seconds at the rate
        new Random(45).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--format", "raw", "--pace", "--rate", "4.5Mbit", "--port", "0",
            "--events");
             Viewer viewer = Viewer.connect(cli.awaitPort(), null))
        {
            awaitAdded(cli, 1);
            feed(cli, input);
            final byte[] received = viewer.awaitEnd(WAIT);
            assertEquals(0, cli.awaitExit(WAIT), () -> "stderr: " + cli.stderr());
            assertEquals(sha256(input), sha256(received), "every byte, in order: " + received.length + " of " + input.length);
            assertRate(viewer, viewer.arrivalNs(0), 1, 5, "--rate 4.5Mbit");
        }
    }

    // ---- back-pressure ----

    /**
     * {@code --backpressure} without a bound: 20 MB as fast as standard input takes them, to 20
     * clients of which some read at a few MB/s; the 64-buffer queue would lap those, but the
     * producer waits instead: every client gets every byte, none is removed slow, and the CLI
     * drains and exits 0 when the input ends.
     */
    @Test
    void backpressureLosesNothing() throws Exception
    {
        final byte[] input = new byte[20 * 1024 * 1024];
        new Random(20).nextBytes(input);
        final String expected = sha256(input);
        final int clients = 20;
        try (CliProcess cli = CliProcess.start("--format", "raw", "--backpressure", "--queue-capacity-buffers", "64",
            "--port", "0", "--events"))
        {
            final int port = cli.awaitPort();
            final List<HashingReader> readers = new ArrayList<>();
            for (int i = 0; i < clients; i++)
            {
                // one in five reads at 8 MB/s: 2.5 s for the whole input, while the producer could go far faster
                readers.add(HashingReader.connect(port, 8 * 1024, i % 5 == 0 ? 8_000_000 : 0, -1));
            }
            awaitAdded(cli, clients);
            final CompletableFuture<Long> feed = feed(cli, input);
            feed.get(60, TimeUnit.SECONDS);
            assertEquals(0, cli.awaitExit(WAIT), () -> "stderr: " + cli.stderr());
            for (int i = 0; i < clients; i++)
            {
                final HashingReader reader = readers.get(i);
                assertEquals(expected, reader.digest.get(30, TimeUnit.SECONDS),
                    "client " + i + " received every byte in order: " + reader.count + " of " + input.length);
            }
            final List<String> slow = cli.allLines().stream().filter(l -> l.contains("\"status\":\"slow\"")).toList();
            assertTrue(slow.isEmpty(), "no client removed slow: " + slow);
        }
    }

    /**
     * {@code --backpressure=1s}: a client that never reads holds the producer for a second, then is
     * lapped and removed (slow); the reader gets every byte and standard input is taken well
     * within 30 s.
     */
    @Test
    void backpressureBoundedWaitLapsAStalledClient() throws Exception
    {
        final byte[] input = new byte[8 * 1024 * 1024];
        new Random(16).nextBytes(input);
        try (CliProcess cli = CliProcess.start("--format", "raw", "--backpressure=1s", "--queue-capacity-buffers", "16",
            "--port", "0", "--events");
             SocketChannel stalled = SocketChannel.open())
        {
            final int port = cli.awaitPort();
            stalled.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            stalled.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            final int stalledPort = ((InetSocketAddress)stalled.getLocalAddress()).getPort();
            final HashingReader reader = HashingReader.connect(port, 64 * 1024, 0, -1);
            awaitAdded(cli, 2);
            final long start = System.nanoTime();
            final long feedNs = feed(cli, input).get(60, TimeUnit.SECONDS);
            assertTrue(feedNs < TimeUnit.SECONDS.toNanos(10),
                "the producer waited about a second for the stalled client, not more: " + feedNs / 1e9 + " s");
            cli.awaitLine(l -> l.contains("\"event\":\"client-removed\"") && l.contains(":" + stalledPort + "\"") &&
                l.contains("\"status\":\"slow\""), WAIT);
            assertEquals(0, cli.awaitExit(WAIT), () -> "stderr: " + cli.stderr());
            assertEquals(sha256(input), reader.digest.get(30, TimeUnit.SECONDS),
                "the reader received every byte in order: " + reader.count + " of " + input.length);
            final List<String> slow = cli.allLines().stream().filter(l -> l.contains("\"status\":\"slow\"")).toList();
            assertEquals(1, slow.size(), "only the stalled client is removed slow: " + slow);
            System.out.println("fed " + input.length + " bytes past a stalled client in " +
                (System.nanoTime() - start) / 1e9 + " s");
        }
    }

    // ---- a terminal ----

    /**
     * A bare command on a terminal (a pseudo-terminal from util-linux's {@code script}) has no
     * input to read: it says so, serves the built-in demo, and a client gets MPEG-TS from PAT on.
     */
    @Test
    void bareCommandOnATerminalServesTheDemo() throws Exception
    {
        requireTool("script");
        final Path jar = Paths.get(System.getProperty("sink.cli.jar", "target/sink-cli.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged jar is missing: " + jar);
        final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        final String command = quote(java) + " -jar " + quote(jar.toString()) + " --port 0";
        // script's own standard input stays an open pipe: the terminal it gives the CLI sees no end of input
        final Process script = new ProcessBuilder("script", "-qfec", command, "/dev/null")
            .redirectErrorStream(true).start();
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    lines.add(line);
                }
            }
            catch (final IOException ex)
            {
                lines.add("<terminal output failed: " + ex + ">");
            }
        }, "terminal-output");
        pump.setDaemon(true);
        pump.start();
        try
        {
            final List<String> seen = new ArrayList<>();
            boolean demo = false;
            int port = -1;
            final long deadline = System.nanoTime() + WAIT.toNanos();
            while (!demo || port < 0)
            {
                final String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null)
                {
                    fail("no 'serving the built-in demo' and serving line within " + WAIT + " on the terminal; seen: " + seen);
                }
                seen.add(line);
                demo |= line.contains("serving the built-in demo");
                final Matcher m = SERVING.matcher(line);
                if (m.find())
                {
                    port = Integer.parseInt(m.group(1));
                }
            }
            try (Viewer viewer = Viewer.connect(port, null))
            {
                viewer.awaitReceived(200 * TsCheck.SIZE, WAIT, null);
                final byte[] ts = viewer.stop();
                assertTrue(TsCheck.packets(ts) >= 200, "whole packets with the sync byte every 188 bytes");
                TsCheck.assertStartsWithPatPmtThenVideoAtAKeyframe(ts, "the demo from a bare command on a terminal");
            }
            assertTrue(script.isAlive(), "the demo serves on: " + seen);
        }
        finally
        {
            final List<ProcessHandle> tree = new ArrayList<>(script.descendants().toList());
            tree.forEach(ProcessHandle::destroyForcibly);
            script.destroyForcibly();
            for (final ProcessHandle process : tree)
            {
                process.onExit().get(30, TimeUnit.SECONDS);
            }
            assertTrue(script.waitFor(30, TimeUnit.SECONDS), "script ends");
        }
    }

    // ---- helpers ----

    private static void awaitAdded(final CliProcess cli, final int count) throws InterruptedException
    {
        for (int i = 0; i < count; i++)
        {
            cli.awaitLine(l -> l.contains("\"event\":\"client-added\""), WAIT);
        }
    }

    /** @return a 14 s 640x360 H.264 MPEG-TS at a constant 4.5 Mbit/s (null packets fill it), made by ffmpeg. */
    private Path cbrFile() throws IOException, InterruptedException
    {
        requireTool("ffmpeg");
        final Path file = dir.resolve("cbr.ts");
        run(List.of("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-t", "14",
            "-c:v", "libx264", "-g", "25", "-bf", "0", "-b:v", "3800k", "-minrate", "3800k", "-maxrate", "3800k",
            "-bufsize", "1900k", "-pix_fmt", "yuv420p", "-muxrate", "4500k", "-f", "mpegts", file.toString()));
        return file;
    }

    /**
     * Asserts that {@code viewer} received at {@link #CBR_BITS} within 5 % between {@code fromS}
     * and {@code toS} seconds after {@code startNs}.
     */
    private static void assertRate(final Viewer viewer, final long startNs, final int fromS, final int toS,
        final String what)
    {
        final long from = startNs + TimeUnit.SECONDS.toNanos(fromS);
        final long to = startNs + TimeUnit.SECONDS.toNanos(toS);
        final long bytes = viewer.receivedBy(to) - viewer.receivedBy(from);
        final double rate = bytes * 8.0 / (toS - fromS);
        System.out.printf("%s: %.3f Mbit/s from %d s to %d s%n", what, rate / 1e6, fromS, toS);
        assertTrue(Math.abs(rate - CBR_BITS) <= 0.05 * CBR_BITS,
            what + ": " + rate / 1e6 + " Mbit/s from " + fromS + " s to " + toS + " s, not within 5 % of " +
                CBR_BITS / 1e6);
    }

    /**
     * Asserts that from the first PCR whose packet arrived after {@code settledNs}, each PCR's
     * packet arrived within 100 ms of its stream time (PCR minus that first PCR).
     */
    private static void assertPcrsOnTime(final Viewer viewer, final byte[] ts, final long settledNs)
    {
        final TsCheck.Program program = TsCheck.program(ts);
        final List<TsCheck.Pcr> pcrs = TsCheck.pcrs(ts, program.pcrPid());
        long pcr0 = -1;
        long arrival0 = 0;
        double worst = 0;
        int checked = 0;
        for (final TsCheck.Pcr pcr : pcrs)
        {
            final long arrival = viewer.arrivalNs(pcr.offset() + TsCheck.SIZE - 1);
            if (pcr0 < 0)
            {
                if (arrival >= settledNs)
                {
                    pcr0 = pcr.value();
                    arrival0 = arrival;
                }
                continue;
            }
            final double off = (pcr.value() - pcr0) / (double)TsCheck.PCR_HZ - (arrival - arrival0) / 1e9;
            worst = Math.abs(off) > Math.abs(worst) ? off : worst;
            checked++;
            final double late = off;
            assertTrue(Math.abs(off) <= 0.1, () -> "the PCR at offset " + pcr.offset() + " arrived " +
                String.format("%.3f", -late) + " s off its stream time");
        }
        assertTrue(checked > 100, "PCRs checked after the first second: " + checked + " of " + pcrs.size());
        System.out.printf("%d PCRs on time, the worst %.1f ms off%n", checked, worst * 1e3);
    }

    /** @return the seconds of stream the capture's PCRs went through; 0 before its PAT, PMT and two PCRs. */
    private static double streamSeconds(final byte[] ts)
    {
        if (ts == null || ts.length < 8 * TsCheck.SIZE)
        {
            return 0;
        }
        try
        {
            return TsCheck.pcrProgressSeconds(ts, TsCheck.program(ts).pcrPid());
        }
        catch (final AssertionError notYet)
        {
            return 0;
        }
    }

    /** @return the body of an HTTP response (null while its head is incomplete), or the bytes as they are. */
    private static byte[] body(final byte[] response, final boolean http)
    {
        if (!http)
        {
            return response;
        }
        for (int i = 0; i + 4 <= response.length; i++)
        {
            if (response[i] == '\r' && response[i + 1] == '\n' && response[i + 2] == '\r' && response[i + 3] == '\n')
            {
                return Arrays.copyOfRange(response, i + 4, response.length);
            }
        }
        return null;
    }

    /**
     * Decodes the capture with ffprobe, cut before its last video PES (a capture ends anywhere;
     * a truncated last frame is not the sink's fault), and asserts that ffprobe reports no error,
     * that the first video frame is a keyframe, and that each media type's presentation times
     * strictly increase.
     *
     * @return the presentation times in seconds by media type.
     */
    private Map<String, List<Double>> decode(final byte[] ts, final int videoPid, final String name)
        throws IOException, InterruptedException
    {
        final Path file = dir.resolve(name + ".ts");
        Files.write(file, Arrays.copyOf(ts, TsCheck.lastPesStart(ts, videoPid)));
        final Path out = dir.resolve(name + ".frames");
        final Path err = dir.resolve(name + ".errors");
        final Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries",
            "frame=media_type,pts_time,key_frame", "-of", "compact=p=0", file.toString())
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "ffprobe ends");
        final String errors = Files.readString(err).strip();
        assertEquals(0, probe.exitValue(), "ffprobe: " + errors);
        assertTrue(errors.isEmpty(), name + ": ffprobe reported errors: " + errors);
        final Map<String, List<Double>> frames = new LinkedHashMap<>();
        Boolean firstVideoKey = null;
        for (final String line : Files.readAllLines(out))
        {
            final Map<String, String> fields = new LinkedHashMap<>();
            for (final String field : line.split("\\|"))
            {
                final int eq = field.indexOf('=');
                if (eq > 0)
                {
                    fields.put(field.substring(0, eq), field.substring(eq + 1));
                }
            }
            final String type = fields.get("media_type");
            if (type == null)
            {
                continue; // a side-data line
            }
            final String pts = fields.get("pts_time");
            assertTrue(pts != null && !pts.equals("N/A"), name + ": a frame without a presentation time: " + line);
            final List<Double> times = frames.computeIfAbsent(type, t -> new ArrayList<>());
            final double time = Double.parseDouble(pts);
            if (!times.isEmpty())
            {
                final double before = times.get(times.size() - 1);
                assertTrue(time > before, name + ": " + type + " frame " + times.size() + " at " + time +
                    " s after one at " + before + " s");
            }
            times.add(time);
            if (type.equals("video") && firstVideoKey == null)
            {
                firstVideoKey = "1".equals(fields.get("key_frame"));
            }
        }
        assertTrue(frames.containsKey("video") && frames.containsKey("audio"), name + ": video and audio frames " +
            frames.keySet());
        assertEquals(Boolean.TRUE, firstVideoKey, name + ": the first video frame is a keyframe");
        System.out.printf("%s: %d video frames over %.2f s, %d audio frames over %.2f s%n", name,
            frames.get("video").size(), span(frames.get("video")), frames.get("audio").size(), span(frames.get("audio")));
        return frames;
    }

    private static double span(final List<Double> times)
    {
        return times == null || times.isEmpty() ? 0 : times.get(times.size() - 1) - times.get(0);
    }

    /** Writes {@code input} to the CLI's standard input on its own thread, then closes it; completes with the ns it took. */
    private static CompletableFuture<Long> feed(final CliProcess cli, final byte[] input)
    {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        final Thread writer = new Thread(() ->
        {
            final long start = System.nanoTime();
            try (OutputStream stdin = cli.process.getOutputStream())
            {
                for (int at = 0; at < input.length; at += 64 * 1024)
                {
                    stdin.write(input, at, Math.min(64 * 1024, input.length - at));
                }
                stdin.flush();
                done.complete(System.nanoTime() - start);
            }
            catch (final IOException ex)
            {
                done.completeExceptionally(ex); // the CLI went away before taking it all
            }
        }, "stdin-writer");
        writer.setDaemon(true);
        writer.start();
        return done;
    }

    private static String sha256(final byte[] bytes) throws NoSuchAlgorithmException
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String quote(final String word)
    {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    private void run(final List<String> command) throws IOException, InterruptedException
    {
        final Path log = Files.createTempFile(dir, "cmd", ".log");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
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
        assumeTrue(found, tool + " is not installed (apt-get install ffmpeg util-linux)");
    }

    /**
     * A loopback client that keeps what it reads and when each read returned, until the server
     * closes or {@link #stop()}: the arrival time of any byte, and the bytes received by any time.
     */
    private static final class Viewer implements AutoCloseable
    {
        private final SocketChannel channel;
        private final long connectedNs;
        private final Thread thread;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        private byte[] data = new byte[1 << 20];
        private int length;
        /** Per read: the bytes received once it returned, and when. */
        private long[] ends = new long[4096];
        private long[] times = new long[4096];
        private int reads;

        private Viewer(final SocketChannel channel, final long connectedNs)
        {
            this.channel = channel;
            this.connectedNs = connectedNs;
            this.thread = new Thread(this::readAll, "viewer-" + channel.socket().getLocalPort());
            thread.setDaemon(true);
        }

        /** Connects now, sends {@code request} (if any), and reads on its own thread. */
        static Viewer connect(final int port, final String request) throws IOException
        {
            final SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            final Viewer viewer = new Viewer(channel, System.nanoTime());
            if (request != null)
            {
                channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            }
            viewer.thread.start();
            return viewer;
        }

        private void readAll()
        {
            final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try
            {
                int n;
                while ((n = channel.read(buffer.clear())) >= 0)
                {
                    final long now = System.nanoTime();
                    append(buffer.array(), n, now);
                }
            }
            catch (final IOException ex)
            {
                // closed by stop() or reset by the server: what arrived is kept
            }
            finally
            {
                ended.complete(null);
            }
        }

        private synchronized void append(final byte[] bytes, final int n, final long now)
        {
            if (n == 0)
            {
                return;
            }
            if (length + n > data.length)
            {
                data = Arrays.copyOf(data, Math.max(data.length * 2, length + n));
            }
            System.arraycopy(bytes, 0, data, length, n);
            length += n;
            if (reads == ends.length)
            {
                ends = Arrays.copyOf(ends, reads * 2);
                times = Arrays.copyOf(times, reads * 2);
            }
            ends[reads] = length;
            times[reads] = now;
            reads++;
        }

        long connectedNs()
        {
            return connectedNs;
        }

        synchronized byte[] bytes()
        {
            return Arrays.copyOf(data, length);
        }

        synchronized int received()
        {
            return length;
        }

        /** @return when the byte at {@code offset} arrived (System.nanoTime). */
        synchronized long arrivalNs(final long offset)
        {
            int lo = 0;
            int hi = reads - 1;
            if (hi < 0 || ends[hi] <= offset)
            {
                throw new AssertionError("byte " + offset + " has not arrived; received " + length);
            }
            while (lo < hi) // the first read whose end is past offset
            {
                final int mid = (lo + hi) >>> 1;
                if (ends[mid] > offset)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }
            return times[lo];
        }

        /** @return the bytes received by {@code nanoTime}; fails if the viewer had not read until then. */
        synchronized long receivedBy(final long nanoTime)
        {
            assertTrue(reads > 0 && times[reads - 1] >= nanoTime || !ended.isDone() && nanoTime <= System.nanoTime(),
                () -> "the viewer received its last byte (of " + length + ") " +
                    (reads == 0 ? "never" : (times[reads - 1] - connectedNs) / 1e9 + " s after it connected") +
                    (ended.isDone() ? ", then the end of the stream" : "") + ", before the end of the measurement, " +
                    (nanoTime - connectedNs) / 1e9 + " s after it connected");
            long received = 0;
            for (int i = 0; i < reads && times[i] <= nanoTime; i++)
            {
                received = ends[i];
            }
            return received;
        }

        /** Waits until {@code count} bytes arrived; fails with the CLI's stderr (if given) on timeout. */
        void awaitReceived(final long count, final Duration timeout, final CliProcess cli)
        {
            await(bytes -> bytes.length >= count, timeout, count + " bytes", cli);
        }

        /** Waits until what arrived so far satisfies {@code condition}; fails on timeout or the end of the stream. */
        void await(final Predicate<byte[]> condition, final Duration timeout, final String what, final CliProcess cli)
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.test(bytes()))
            {
                if (System.nanoTime() - deadline > 0 || ended.isDone())
                {
                    fail("the viewer did not receive " + what + " within " + timeout + " (received " + received() +
                        " bytes" + (ended.isDone() ? ", then the end" : "") + ")" +
                        (cli == null ? "" : "; stderr: " + cli.stderr()));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }

        /** Waits for the server to end the stream; @return everything received. */
        byte[] awaitEnd(final Duration timeout) throws Exception
        {
            ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return bytes();
        }

        /** Closes the connection; @return everything received until then. */
        byte[] stop() throws Exception
        {
            channel.close();
            ended.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return bytes();
        }

        @Override
        public void close() throws IOException
        {
            channel.close();
        }
    }

    /**
     * A loopback client that hashes what it reads (SHA-256) until the server closes: with
     * {@code bytesPerSecond} &gt; 0 it reads no faster than that.
     */
    private static final class HashingReader
    {
        final CompletableFuture<String> digest = new CompletableFuture<>();
        volatile long count;

        static HashingReader connect(final int port, final int readSize, final long bytesPerSecond,
            final int receiveBuffer) throws IOException
        {
            final SocketChannel channel = SocketChannel.open();
            if (receiveBuffer > 0)
            {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBuffer);
            }
            channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            final HashingReader reader = new HashingReader();
            final Thread thread = new Thread(() -> reader.readAll(channel, readSize, bytesPerSecond),
                "hashing-reader-" + channel.socket().getLocalPort());
            thread.setDaemon(true);
            thread.start();
            return reader;
        }

        private void readAll(final SocketChannel channel, final int readSize, final long bytesPerSecond)
        {
            try (channel)
            {
                final MessageDigest sha = MessageDigest.getInstance("SHA-256");
                final ByteBuffer buffer = ByteBuffer.allocate(readSize);
                long start = 0;
                int n;
                while ((n = channel.read(buffer.clear())) >= 0)
                {
                    if (start == 0)
                    {
                        start = System.nanoTime();
                    }
                    sha.update(buffer.array(), 0, n);
                    count += n;
                    if (bytesPerSecond > 0)
                    {
                        // a reader of limited speed: hold the next read until these bytes are due at the rate
                        final long due = start + (long)(count * 1e9 / bytesPerSecond);
                        for (long left = due - System.nanoTime(); left > 0; left = due - System.nanoTime())
                        {
                            LockSupport.parkNanos(left);
                        }
                    }
                }
                digest.complete(HexFormat.of().formatHex(sha.digest()));
            }
            catch (final IOException | NoSuchAlgorithmException ex)
            {
                digest.complete("failed after " + count + " bytes: " + ex);
            }
        }
    }
}
