package io.fanout.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An origin-edge tree behind HAProxy (Debian's, installed by .ci/run), on 127.0.0.1 only: one
 * origin runs a live H.264 pipeline (--source gst:), two edges relay it (--source tcp://), HAProxy
 * spreads 20 viewers over the edges with leastconn and checks each edge's /readyz. The viewers
 * reconnect as a player does. Then one failure per test: an edge killed, the origin restarted,
 * the first of two origins killed. Every wait has a deadline; every process is killed at the end.
 * The figures printed (reconnect time, gap) are the README's "Past one machine".
 */
@Timeout(180)
class TreeFailoverIT
{
    private static final int VIEWERS = 20;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LIVE = "gst:videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 " +
        "! x264enc tune=zerolatency key-int-max=25 speed-preset=ultrafast ! h264parse ! mpegtsmux";

    @TempDir
    Path dir;

    private final List<AutoCloseable> running = new ArrayList<>();
    private final List<Player> players = new ArrayList<>();

    @BeforeAll
    static void haproxyIsInstalled() throws Exception
    {
        final Process version = new ProcessBuilder("haproxy", "-v").redirectErrorStream(true).start();
        assertTrue(version.waitFor(10, TimeUnit.SECONDS) && version.exitValue() == 0,
            "haproxy is needed (apt-get install haproxy; .ci/run does it)");
    }

    @AfterEach
    void stopAll() throws Exception
    {
        for (final Player player : players)
        {
            player.stop();
        }
        Collections.reverse(running);
        for (final AutoCloseable c : running)
        {
            c.close();
        }
    }

    /**
     * An edge dies (SIGKILL): HAProxy marks it down; its viewers reconnect and get PAT, PMT and a
     * keyframe from the other edge within 3 s; the other edge's viewers see no gap.
     */
    @Test
    void anEdgeKilledItsViewersMoveToTheOtherWithinThreeSeconds() throws Exception
    {
        final int originPort = freePort();
        origin(originPort);
        final Tree tree = tree("tcp://127.0.0.1:" + originPort);
        final Edge edge1 = tree.edge1();
        final Haproxy haproxy = tree.haproxy();
        final int onEdge1 = clients(edge1);
        assertTrue(onEdge1 > 0 && onEdge1 < VIEWERS, "leastconn put viewers on both edges: " + onEdge1 + " on edge1");

        final long killNs = System.nanoTime();
        edge1.cli.process.destroyForcibly();
        haproxy.awaitStatus("edge1", "DOWN");
        final long downNs = System.nanoTime();
        await(() -> players.stream().filter(p -> p.sessionAt(killNs).endNs > 0).count() >= onEdge1, "every viewer of edge1 cut");
        final List<Player> moved = new ArrayList<>();
        final List<Player> stayed = new ArrayList<>();
        for (final Player player : players)
        {
            (player.sessionAt(killNs).endNs > 0 ? moved : stayed).add(player);
        }
        assertEquals(onEdge1, moved.size(), "the viewers of edge1, and only they, were cut");
        long worstNs = 0;
        for (final Player player : moved)
        {
            final int next = player.indexAt(killNs) + 1;
            await(() -> player.sessions() > next && player.session(next).packets() >= 3, "a viewer's next session");
            final Session second = player.session(next);
            TsCheck.assertStartsWithPatPmtKeyframe(second.bytes(), "a viewer that moved to edge2");
            final long readyNs = second.arrivalOf(3 * TsCheck.SIZE) - killNs;
            worstNs = Math.max(worstNs, readyNs);
        }
        for (final Player player : stayed)
        {
            final Session first = player.sessionAt(killNs);
            await(() -> first.lastArrivalNs() > killNs + TimeUnit.SECONDS.toNanos(3), "3 s more for a viewer that stayed");
            assertEquals(0, first.endNs, "a viewer of edge2 kept its connection");
            final long gap = first.longestGapNs(killNs - TimeUnit.SECONDS.toNanos(1), killNs + TimeUnit.SECONDS.toNanos(3));
            assertTrue(gap < TimeUnit.MILLISECONDS.toNanos(500), "no gap for a viewer of edge2: " + gap / 1_000_000 + " ms");
            TsCheck.assertContinuity(first.bytes(), 2, "a viewer of edge2");
        }
        System.out.printf("edge killed: %d viewers moved, %d stayed; HAProxy marked it down after %d ms; " +
            "the slowest moved viewer had PAT, PMT and a keyframe %d ms after the kill%n",
            moved.size(), stayed.size(), (downNs - killNs) / 1_000_000, worstNs / 1_000_000);
        assertTrue(worstNs <= TimeUnit.SECONDS.toNanos(3), "moved within 3 s: " + worstNs / 1_000_000 + " ms");
    }

    /**
     * The origin restarts: both edges reconnect with backoff; viewers stay connected and resume on
     * a keyframe that decodes without an error after the gap.
     */
    @Test
    void theOriginRestartedViewersResumeOnAKeyframe() throws Exception
    {
        final int originPort = freePort();
        final CliProcess origin = origin(originPort);
        final Tree tree = tree("tcp://127.0.0.1:" + originPort);
        final Edge edge1 = tree.edge1();
        final Edge edge2 = tree.edge2();

        origin.process.destroyForcibly();
        assertTrue(origin.process.waitFor(10, TimeUnit.SECONDS));
        final long restartNs = System.nanoTime();
        origin(originPort);
        for (final Edge edge : List.of(edge1, edge2))
        {
            edge.cli.awaitLine(l -> l.contains("reading from upstream tcp://127.0.0.1:" + originPort), WAIT);
        }
        long worstGapNs = 0;
        for (final Player player : players)
        {
            final Session session = player.sessionAt(restartNs);
            await(() -> session.lastArrivalNs() > restartNs && session.bytesAfterLongestGap().length > 40 * TsCheck.SIZE,
                "a viewer's stream after the restart");
            assertEquals(0, session.endNs, "the viewer stayed connected");
            final byte[] after = session.bytesAfterLongestGap();
            worstGapNs = Math.max(worstGapNs, session.longestGapNs(0, Long.MAX_VALUE));
            final byte[] all = session.bytes();
            final byte[] resumed = concat(Arrays.copyOf(all, 2 * TsCheck.SIZE), after); // the streamheader it got first, then what followed the gap
            TsCheck.assertStartsWithPatPmtThenVideoAtAKeyframe(resumed, "a viewer after the origin restarted");
            assertDecodes(resumed, "resumed-" + players.indexOf(player));
        }
        System.out.printf("origin restarted: all %d viewers stayed connected and resumed on a keyframe; longest gap %d ms%n",
            players.size(), worstGapNs / 1_000_000);
    }

    /**
     * Two origins listed in --source: the first killed, the edges move to the second within
     * --source-timeout and the viewers continue on their connections.
     */
    @Test
    void theFirstOfTwoOriginsKilledTheEdgesMoveToTheSecond() throws Exception
    {
        final int port1 = freePort();
        final int port2 = freePort();
        final CliProcess origin1 = origin(port1);
        origin(port2);
        final String both = "tcp://127.0.0.1:" + port1 + ",tcp://127.0.0.1:" + port2;
        final Tree tree = tree(both);
        final Edge edge1 = tree.edge1();
        final Edge edge2 = tree.edge2();

        final long killNs = System.nanoTime();
        origin1.process.destroyForcibly();
        for (final Edge edge : List.of(edge1, edge2))
        {
            edge.cli.awaitLine(l -> l.contains("switching to tcp://127.0.0.1:" + port2), WAIT);
        }
        long worstNs = 0;
        for (final Player player : players)
        {
            final Session session = player.sessionAt(killNs);
            await(() -> session.lastArrivalNs() > killNs + TimeUnit.SECONDS.toNanos(1) &&
                session.bytesAfterLongestGap().length > 0, "a viewer's stream from the second origin");
            assertEquals(0, session.endNs, "the viewer stayed connected");
            final long resumedNs = session.firstArrivalAfter(killNs + session.longestGapNs(killNs, Long.MAX_VALUE) / 2) - killNs;
            worstNs = Math.max(worstNs, resumedNs);
        }
        System.out.printf("first origin killed: both edges switched; viewers resumed at most %d ms after the kill%n",
            worstNs / 1_000_000);
        assertTrue(worstNs <= TimeUnit.SECONDS.toNanos(2 + 1), "within --source-timeout (2 s) and a keyframe: " + worstNs / 1_000_000 + " ms");
    }

    // ---- the tree ----

    private CliProcess origin(final int port) throws Exception
    {
        final CliProcess cli = start(new String[] {"--port", String.valueOf(port), "--sync-method", "latest-keyframe", "--source", LIVE});
        assertEquals(port, cli.awaitPort(), "the origin listens before an edge tries it");
        return cli;
    }

    /** Two edges of {@code upstreams} behind HAProxy, both up, and the viewers playing through it. */
    private Tree tree(final String upstreams) throws Exception
    {
        final Edge edge1 = edge(upstreams);
        final Edge edge2 = edge(upstreams);
        final Haproxy haproxy = haproxy(edge1, edge2);
        haproxy.awaitStatus("edge1", "UP");
        haproxy.awaitStatus("edge2", "UP");
        startPlayers(haproxy.port);
        return new Tree(edge1, edge2, haproxy);
    }

    private record Tree(Edge edge1, Edge edge2, Haproxy haproxy)
    {
    }

    private Edge edge(final String upstreams) throws Exception
    {
        final CliProcess cli = start(new String[] {"--port", "0", "--admin", "127.0.0.1:0", "--ready-timeout", "1s",
            "--source", upstreams, "--source-timeout", "2s", "--format", "mpegts", "--sync-method", "latest-keyframe",
            "--time-min", "2s"}); // the last keyframe stays queued: a viewer that moves here starts at once
        final int port = cli.awaitPort();
        final int admin = cli.awaitAdminPort();
        return new Edge(cli, port, admin);
    }

    private CliProcess start(final String[] args) throws IOException
    {
        final CliProcess cli = CliProcess.start(args);
        running.add(cli);
        return cli;
    }

    private record Edge(CliProcess cli, int port, int admin)
    {
    }

    /** @return {@code fanout_clients} from the edge's /metrics. */
    private static int clients(final Edge edge) throws IOException, InterruptedException
    {
        final java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + edge.admin + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        for (final String line : metrics.body().split("\n"))
        {
            if (line.startsWith("fanout_clients "))
            {
                return (int)Double.parseDouble(line.substring("fanout_clients ".length()).strip());
            }
        }
        throw new AssertionError("no fanout_clients in " + metrics.body());
    }

    private Haproxy haproxy(final Edge edge1, final Edge edge2) throws Exception
    {
        final int port = freePort();
        final Path socket = dir.resolve("haproxy.sock");
        final String config = Files.readString(Path.of(System.getProperty("deploy.dir", "../deploy"), "haproxy.cfg"))
            .replace("/run/haproxy/admin.sock", socket.toString())
            .replace("0.0.0.0:4953", "127.0.0.1:" + port)
            .replace("10.0.0.11:4953 check port 9953", "127.0.0.1:" + edge1.port + " check port " + edge1.admin)
            .replace("10.0.0.12:4953 check port 9953", "127.0.0.1:" + edge2.port + " check port " + edge2.admin)
            .replace("inter 1s", "inter 250ms")
            .replace("maxconn 20000", "maxconn 1000"); // 20,000 needs 40,000 descriptors: the deployment raises its limit, a test does not
        final Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        final Process process = new ProcessBuilder("haproxy", "-db", "-f", file.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        final Haproxy haproxy = new Haproxy(process, port, socket, dir.resolve("haproxy.log"));
        running.add(haproxy);
        return haproxy;
    }

    /** HAProxy as a child process, asked for its servers' status on its admin socket. */
    private static final class Haproxy implements AutoCloseable
    {
        final Process process;
        final int port;
        final Path socket;
        final Path log;

        Haproxy(final Process process, final int port, final Path socket, final Path log)
        {
            this.process = process;
            this.port = port;
            this.socket = socket;
            this.log = log;
        }

        /** @return the status column of {@code show stat} for server {@code name} of backend edges, or "" when not up yet. */
        String status(final String name)
        {
            if (!Files.exists(socket))
            {
                return "";
            }
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
            {
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
                final ByteArrayOutputStream out = new ByteArrayOutputStream();
                final ByteBuffer buffer = ByteBuffer.allocate(65536);
                while (channel.read(buffer.clear()) >= 0)
                {
                    out.write(buffer.array(), 0, buffer.position());
                }
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                    new java.io.ByteArrayInputStream(out.toByteArray()), StandardCharsets.US_ASCII)))
                {
                    String header = null;
                    String line;
                    while ((line = reader.readLine()) != null)
                    {
                        if (line.startsWith("# "))
                        {
                            header = line.substring(2);
                        }
                        else if (header != null && line.startsWith("edges," + name + ","))
                        {
                            final List<String> columns = Arrays.asList(header.split(","));
                            return line.split(",", -1)[columns.indexOf("status")];
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                return "";
            }
            return "";
        }

        void awaitStatus(final String server, final String wanted) throws Exception
        {
            final long deadline = System.nanoTime() + WAIT.toNanos();
            String now = status(server);
            while (!now.startsWith(wanted))
            {
                if (System.nanoTime() - deadline > 0 || !process.isAlive())
                {
                    fail("HAProxy: " + server + " is '" + now + "', not " + wanted + "; log: " + Files.readString(log));
                }
                Thread.sleep(50); // polling HAProxy's state, bounded by the deadline
                now = status(server);
            }
        }

        @Override
        public void close()
        {
            process.destroyForcibly();
        }
    }

    // ---- players ----

    private void startPlayers(final int port) throws Exception
    {
        for (int i = 0; i < VIEWERS; i++)
        {
            players.add(new Player(port));
        }
        for (final Player player : players)
        {
            await(() -> player.sessions() >= 1 && player.session(0).packets() > 3 &&
                TsCheck.pcrProgressSeconds(player.session(0).bytes(), TsCheck.program(player.session(0).bytes()).pcrPid()) >= 1,
                "1 s of stream for every viewer");
        }
    }

    /** One connection of a player: its bytes and when each read arrived. */
    private static final class Session
    {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final List<long[]> arrivals = new ArrayList<>(); // {ns, total bytes after the read}
        final long startNs = System.nanoTime();
        volatile long endNs;

        synchronized void add(final ByteBuffer data, final long now)
        {
            bytes.write(data.array(), 0, data.position());
            arrivals.add(new long[] {now, bytes.size()});
        }

        synchronized byte[] bytes()
        {
            return bytes.toByteArray();
        }

        synchronized int packets()
        {
            return bytes.size() / TsCheck.SIZE;
        }

        synchronized long lastArrivalNs()
        {
            return arrivals.isEmpty() ? 0 : arrivals.get(arrivals.size() - 1)[0];
        }

        /** @return when the read that completed byte {@code offset} arrived. */
        synchronized long arrivalOf(final int offset)
        {
            for (final long[] arrival : arrivals)
            {
                if (arrival[1] >= offset)
                {
                    return arrival[0];
                }
            }
            return Long.MAX_VALUE;
        }

        synchronized long firstArrivalAfter(final long ns)
        {
            for (final long[] arrival : arrivals)
            {
                if (arrival[0] > ns)
                {
                    return arrival[0];
                }
            }
            return Long.MAX_VALUE;
        }

        /** @return the longest time between two reads that arrived within [from, to]. */
        synchronized long longestGapNs(final long from, final long to)
        {
            long longest = 0;
            for (int i = 1; i < arrivals.size(); i++)
            {
                if (arrivals.get(i)[0] >= from && arrivals.get(i - 1)[0] <= to)
                {
                    longest = Math.max(longest, arrivals.get(i)[0] - arrivals.get(i - 1)[0]);
                }
            }
            return longest;
        }

        /** @return the bytes that arrived after the longest gap between two reads. */
        synchronized byte[] bytesAfterLongestGap()
        {
            long longest = 0;
            int after = -1;
            for (int i = 1; i < arrivals.size(); i++)
            {
                final long gap = arrivals.get(i)[0] - arrivals.get(i - 1)[0];
                if (gap > longest)
                {
                    longest = gap;
                    after = i;
                }
            }
            if (after < 0)
            {
                return new byte[0];
            }
            final int from = (int)arrivals.get(after - 1)[1];
            assertEquals(0, from % TsCheck.SIZE, "the gap falls between packets");
            final byte[] all = bytes.toByteArray();
            return Arrays.copyOfRange(all, from, all.length);
        }
    }

    /** A viewer that reconnects as a player does: at once after the end, then every 100 ms while refused. */
    private static final class Player
    {
        private final List<Session> sessions = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean stopped;
        private volatile SocketChannel channel;

        Player(final int port)
        {
            thread = new Thread(() -> play(port), "player");
            thread.setDaemon(true);
            thread.start();
        }

        private void play(final int port)
        {
            final ByteBuffer buffer = ByteBuffer.allocate(65536);
            while (!stopped)
            {
                try (SocketChannel connection = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
                {
                    channel = connection;
                    final Session session = new Session();
                    sessions.add(session);
                    try
                    {
                        while (connection.read(buffer.clear()) >= 0)
                        {
                            session.add(buffer, System.nanoTime());
                        }
                    }
                    finally
                    {
                        session.endNs = System.nanoTime();
                    }
                }
                catch (final IOException ex)
                {
                    // refused or reset: a player tries again
                }
                if (!stopped)
                {
                    LockSupportSleep.millis(100); // a player's retry delay, not a synchronisation
                }
            }
        }

        int sessions()
        {
            return sessions.size();
        }

        /** @return the index of the last session that started before {@code ns}. */
        int indexAt(final long ns)
        {
            synchronized (sessions)
            {
                int at = -1;
                for (int i = 0; i < sessions.size(); i++)
                {
                    if (sessions.get(i).startNs < ns)
                    {
                        at = i;
                    }
                }
                assertTrue(at >= 0, "a session before that time");
                return at;
            }
        }

        Session sessionAt(final long ns)
        {
            return session(indexAt(ns));
        }

        Session session(final int i)
        {
            return sessions.get(i);
        }

        void stop() throws Exception
        {
            stopped = true;
            final SocketChannel current = channel;
            if (current != null)
            {
                current.close();
            }
            thread.join(10_000);
        }
    }

    /** Parks the calling thread; a named helper so that the one deliberate pause reads as such. */
    private static final class LockSupportSleep
    {
        static void millis(final long ms)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
        }
    }

    // ---- helpers ----

    private static void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (!safely(condition))
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("no " + what + " within " + WAIT);
            }
            Thread.sleep(20); // polling a condition, bounded by the deadline
        }
    }

    private static boolean safely(final BooleanSupplier condition)
    {
        try
        {
            return condition.getAsBoolean();
        }
        catch (final RuntimeException | AssertionError ex)
        {
            return false; // not enough bytes to tell yet
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocketChannel probe = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            return ((InetSocketAddress)probe.getLocalAddress()).getPort();
        }
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private void assertDecodes(final byte[] ts, final String name) throws IOException, InterruptedException
    {
        final Path file = dir.resolve(name + ".ts");
        Files.write(file, Arrays.copyOf(ts, TsCheck.lastPesStart(ts, TsCheck.program(ts).videoPid())));
        final Path err = dir.resolve(name + ".errors");
        final Process probe = new ProcessBuilder("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
            "frame=key_frame", "-of", "csv=p=0", file.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        assertTrue(probe.waitFor(60, TimeUnit.SECONDS), "ffprobe ends");
        assertEquals("", Files.readString(err).strip(), name + ": ffprobe reported errors");
    }
}
