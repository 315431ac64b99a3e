// Does zero-copy sending (sendfile via FileChannel.transferTo) pay for a TCP fan-out on this
// machine? A standalone experiment, JDK only:
//
//   java sink-bench/zerocopy/ZeroCopyExperiment.java --mode both --clients 100 --chunk 64KiB --rate 15MB
//
// One producer thread writes a paced stream of CHUNK-byte chunks into a ring of slabs; one sender
// thread (with a Selector) sends the stream to N clients on 127.0.0.1, either
//   writev:   slabs are direct ByteBuffers; SocketChannel.write(ByteBuffer[], off, len) per client,
//             one view per chunk (fanout's gather writer: one iovec per buffer),
//   merged:   the same slabs; one SocketChannel.write(ByteBuffer) per contiguous run of one slab
//             (adjacent buffers merged into one iovec),
//   sendfile: slabs are files on /dev/shm, mapped for the producer; FileChannel.transferTo per client.
// The clients live in a second JVM (this file, "reader" mode) draining every socket with one
// selector thread and checking every 256th byte of the stream against the expected stamp.
// Printed per mode: sender-thread CPU, producer-thread CPU, process CPU, bytes delivered, MB per
// CPU-second, send calls, socket-full events, clients dropped, integrity errors. See README.md.
import java.io.*;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.*;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.locks.LockSupport;

public class ZeroCopyExperiment {
    // ---- options (see usage()) and the layout derived from them ----
    static String mode = "both";
    static int clients = 100, chunk = 65536, slabs = 16, slabSize = 4 << 20, maxCall = 256 << 10;
    static long rate = 15_000_000, tickNanos = 1_000_000;          // rate: stream bytes/s = per client
    static double warmup = 3, duration = 20;
    static boolean truncate = true;
    static long readerDelayMs = 0;   // the reader connects, then waits this long before reading (hazard demo)
    static int cps;            // chunks per slab (a chunk never straddles two slabs)
    static long slabBytes;     // stream bytes per slab = cps * chunk (the slab's tail is unused)

    // Chunk k carries in its 256-byte block b the byte stamp(k, b): the reader can check any byte.
    static byte stamp(long k, long b) {
        return (byte) (((k + 1) * 0x9E3779B97F4A7C15L ^ (b + 1) * 0xC2B2AE3D27D4EB4FL) >>> 56);
    }

    // ============================== the three ways to send ==============================
    static final class Client {
        SocketChannel ch; SelectionKey key; long pos; boolean full, dropped;
    }

    /** Stream slab s lives in slab s % slabs; mem[] is what the producer writes into. */
    static abstract class Ring {
        final ByteBuffer[] mem = new ByteBuffer[slabs];
        /** Called by the producer before slab i is refilled (no client is positioned in it). */
        abstract void recycle(int i) throws IOException;
        /** One write/transferTo of c's bytes from c.pos, below avail; sets c.full on a short write. */
        abstract long send(Client c, long avail) throws IOException;
    }

    static final class WritevRing extends Ring {
        final ByteBuffer[] views;                      // one view per chunk slot, made once
        final ByteBuffer[] iov = new ByteBuffer[1024]; // IOV_MAX on Linux
        WritevRing() {
            views = new ByteBuffer[slabs * cps];
            for (int i = 0; i < slabs; i++) {
                mem[i] = ByteBuffer.allocateDirect(slabSize);
                for (int j = 0; j < cps; j++) views[i * cps + j] = mem[i].slice(j * chunk, chunk);
            }
        }
        // writev copies the bytes into the socket at the call: a slab nobody is positioned in
        // can be overwritten at once.
        void recycle(int i) {}
        long send(Client c, long avail) throws IOException {
            long p = c.pos, want = 0;
            int n = 0;
            while (p < avail && n < iov.length && want < maxCall) {
                long k = p / chunk;
                int rel = (int) (p - k * chunk);
                // Views are shared by all clients but used by this one thread, one call at a time:
                // set the window for this call, no allocation per write.
                ByteBuffer v = views[(int) (k % views.length)];
                v.limit(chunk).position(rel);
                iov[n++] = v;
                want += chunk - rel;
                p += chunk - rel;
            }
            long w = c.ch.write(iov, 0, n);
            c.full = w < want;
            return w;
        }
    }

    /**
     * writev of contiguous runs: what fanout's gather writer could do with adjacent buffers of
     * one slab. The same runs as sendfile (one slab, at most maxCall bytes), but copied by a
     * write from one view per slab (made once, window set per call).
     */
    static final class MergedRing extends Ring {
        final ByteBuffer[] slabViews = new ByteBuffer[slabs];
        MergedRing() {
            for (int i = 0; i < slabs; i++) {
                mem[i] = ByteBuffer.allocateDirect(slabSize);
                slabViews[i] = mem[i].duplicate();
            }
        }
        void recycle(int i) {}
        long send(Client c, long avail) throws IOException {
            long s = c.pos / slabBytes, off = c.pos - s * slabBytes;
            long want = Math.min(Math.min(avail, (s + 1) * slabBytes), c.pos + maxCall) - c.pos;
            ByteBuffer v = slabViews[(int) (s % slabs)];
            v.limit((int) (off + want)).position((int) off);
            long w = c.ch.write(v);
            c.full = w < want;
            return w;
        }
    }

    static final class SendfileRing extends Ring {
        final RandomAccessFile[] files = new RandomAccessFile[slabs];
        final FileChannel[] fc = new FileChannel[slabs];
        SendfileRing() throws IOException {
            for (int i = 0; i < slabs; i++) {
                Path p = Path.of("/dev/shm", "zerocopy-" + ProcessHandle.current().pid() + "-" + i);
                files[i] = new RandomAccessFile(p.toFile(), "rw");
                files[i].setLength(slabSize);
                fc[i] = files[i].getChannel();
                mem[i] = fc[i].map(FileChannel.MapMode.READ_WRITE, 0, slabSize);
                Files.delete(p); // unlinked: lives while open, nothing is left behind on exit
            }
        }
        // THE SLAB-REUSE HAZARD. sendfile does not copy: the socket's buffers (and, on loopback,
        // the reader's receive queue) hold references to the file's page-cache pages until the
        // reader has copied the bytes out, which can be long after transferTo returned and after
        // every client's position has moved past the slab. Writing new chunks into those same
        // pages would change bytes already "sent". So before refilling a slab we give the file
        // fresh pages: truncating to 0 removes the old pages from the file and from every mapping
        // of it (the socket's references keep them alive, unchanged, until freed); re-extending
        // makes the next writes through the SAME mapping fault in new zero pages. (Re-mapping is
        // therefore not needed: a shared mapping shows the file's current pages.)
        // --no-truncate skips this, to show the reader catching the corruption (tiny ring).
        void recycle(int i) throws IOException {
            if (!truncate) return;
            files[i].setLength(0);
            files[i].setLength(slabSize);
        }
        long send(Client c, long avail) throws IOException {
            long s = c.pos / slabBytes, off = c.pos - s * slabBytes;
            long want = Math.min(Math.min(avail, (s + 1) * slabBytes), c.pos + maxCall) - c.pos;
            long w = fc[(int) (s % slabs)].transferTo(off, want, c.ch); // a contiguous run of one slab
            c.full = w < want;
            return w;
        }
    }

    // ============================== producer ==============================
    static final class Producer implements Runnable {
        final Ring ring; final Selector selector;
        volatile long produced;   // stream bytes written and published (whole chunks)
        volatile long needFree;   // the producer wants every client at or past this position
        volatile long minPos;     // the sender's answer: smallest position of a connected client
        volatile boolean stop;
        Producer(Ring ring, Selector selector) { this.ring = ring; this.selector = selector; }

        public void run() {
            byte[] tmpl = new byte[chunk];
            long t0 = System.nanoTime(), k = 0;
            try {
                while (!stop) {
                    long due = (long) ((System.nanoTime() - t0) * 1e-9 * rate) / chunk;
                    boolean any = false;
                    for (; k < due && !stop; k++) {
                        long s = k / cps;
                        int i = (int) (s % slabs), off = (int) (k % cps) * chunk;
                        if (off == 0 && s >= slabs) {
                            // Refilling slab i, which held stream slab s - slabs: the sender drops
                            // clients still in it (lapped); wait until it has, then recycle.
                            needFree = (s - slabs + 1) * slabBytes;
                            selector.wakeup();
                            while (minPos < needFree && !stop) LockSupport.parkNanos(50_000);
                            ring.recycle(i);
                        }
                        for (int b = 0; b * 256 < chunk; b++)
                            Arrays.fill(tmpl, b * 256, Math.min(chunk, b * 256 + 256), stamp(k, b));
                        ring.mem[i].put(off, tmpl);
                        produced = (k + 1) * chunk;
                        any = true;
                    }
                    if (any) selector.wakeup();
                    LockSupport.parkNanos(tickNanos);
                }
            } catch (IOException e) { throw new UncheckedIOException(e); }
        }
    }

    // ============================== sender (one mode) ==============================
    static final class Snap {
        long wall = System.nanoTime(), senderCpu, producerCpu, procCpu, bytes, calls, fulls;
        Map<String, Long> threads;
    }

    static long cpuNanos(Path stat) throws IOException {   // utime + stime from a /proc stat file
        String st = Files.readString(stat);
        String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L; // USER_HZ = 100
    }
    static long procCpuNanos() throws IOException { return cpuNanos(Path.of("/proc/self/stat")); }

    /** CPU of every thread of this process (GC, JIT, ...), "name/tid" -> ns, to explain process CPU. */
    static Map<String, Long> threadCpu() throws IOException {
        Map<String, Long> m = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path t : ds) {
                try {
                    String st = Files.readString(t.resolve("stat"));
                    m.put(st.substring(st.indexOf('(') + 1, st.lastIndexOf(')')) + "/" + t.getFileName(), cpuNanos(t.resolve("stat")));
                } catch (IOException gone) { }
            }
        }
        return m;
    }

    static double[] runMode(String m) throws Exception {
        Ring ring = m.equals("sendfile") ? new SendfileRing() : m.equals("merged") ? new MergedRing() : new WritevRing();
        var mx = ManagementFactory.getThreadMXBean();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), clients);
        server.configureBlocking(false);
        Process reader = startReader(((InetSocketAddress) server.getLocalAddress()).getPort());
        Selector sel = Selector.open();
        Client[] cs = new Client[clients];
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (int n = 0; n < clients; ) {
            SocketChannel ch = server.accept();
            if (ch == null) {
                if (System.nanoTime() > deadline || !reader.isAlive()) throw new IOException("reader did not connect");
                Thread.sleep(1);
                continue;
            }
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true); // as fanout's sink does
            Client c = cs[n++] = new Client();
            c.ch = ch;
            c.key = ch.register(sel, 0, c);
        }
        server.close();

        Producer prod = new Producer(ring, sel);
        Thread pt = new Thread(prod, "producer");
        pt.setDaemon(true);
        pt.start();
        long winStart = System.nanoTime() + (long) (warmup * 1e9), end = winStart + (long) (duration * 1e9);
        long bytes = 0, calls = 0, fulls = 0;
        int dropped = 0;
        Snap s0 = null;
        while (true) {
            long now = System.nanoTime();
            if (s0 == null && now >= winStart) s0 = snap(mx, pt, bytes, calls, fulls);
            if (now >= end) break;
            long avail = prod.produced, lapped = prod.needFree, min = Long.MAX_VALUE;
            for (Client c : cs) {
                if (c.dropped) continue;
                try {
                    if (c.pos < lapped) throw new IOException("lapped");  // more than the ring behind
                    while (!c.full && c.pos < avail) {
                        long w = ring.send(c, avail);
                        calls++;
                        bytes += w;
                        c.pos += w;
                    }
                    if (c.full && c.key.interestOps() == 0) { c.key.interestOps(SelectionKey.OP_WRITE); fulls++; }
                    min = Math.min(min, c.pos);
                } catch (IOException e) {
                    c.dropped = true;
                    dropped++;
                    c.ch.close();
                }
            }
            prod.minPos = min;
            sel.select(Math.max(1, (end - now) / 1_000_000)); // woken by the producer or a writable socket
            for (SelectionKey key : sel.selectedKeys()) {
                ((Client) key.attachment()).full = false;
                key.interestOps(0);
            }
            sel.selectedKeys().clear();
        }
        Snap s1 = snap(mx, pt, bytes, calls, fulls);
        prod.stop = true;
        for (Client c : cs) c.ch.close();
        sel.close();   // deregisters the channels, which closes them: the reader sees EOF
        pt.join();

        String line = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(reader.getInputStream()))) {
            for (String l; (l = r.readLine()) != null; ) if (l.startsWith("READER ")) line = l;
        }
        reader.waitFor();
        Map<String, String> rd = new HashMap<>();
        if (line != null) for (String kv : line.substring(7).split(" ")) { String[] p = kv.split("=", 2); rd.put(p[0], p[1]); }

        double secs = (s1.wall - s0.wall) / 1e9, mb = (s1.bytes - s0.bytes) / 1e6;
        double sCpu = (s1.senderCpu - s0.senderCpu) / 1e9, pCpu = (s1.procCpu - s0.procCpu) / 1e9;
        long nCalls = s1.calls - s0.calls;
        System.out.printf("RESULT mode=%s clients=%d chunk=%d window_s=%.2f delivered_MB=%.1f delivered_MBps=%.1f"
                + " offered_MBps=%.1f sender_cpu_s=%.3f producer_cpu_s=%.3f process_cpu_s=%.2f"
                + " MB_per_sender_cpu_s=%.0f MB_per_process_cpu_s=%.0f calls=%d bytes_per_call=%d"
                + " socket_full_events=%d dropped=%d sent_total_B=%d reader_total_B=%s integrity_errors=%s"
                + " reader_cpu_s=%s MB_per_reader_cpu_s=%s%n",
            m, clients, chunk, secs, mb, mb / secs, clients * rate / 1e6, sCpu,
            (s1.producerCpu - s0.producerCpu) / 1e9, pCpu, mb / sCpu, mb / pCpu,
            nCalls, nCalls == 0 ? 0 : (s1.bytes - s0.bytes) / nCalls, s1.fulls - s0.fulls, dropped, bytes,
            rd.get("bytes"), rd.get("errors"), rd.get("cpu_s"), rd.get("MB_per_cpu_s"));
        Map<String, Long> before = s0.threads;
        StringBuilder th = new StringBuilder("# " + m + ": busiest threads of the sender process in the window (CPU s):");
        s1.threads.entrySet().stream()
            .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
            .forEach(e -> th.append(String.format(" %s %.3f,", e.getKey(), e.getValue() / 1e9)));
        System.out.println(th);
        return new double[] {mb / sCpu, mb / pCpu};
    }

    static Snap snap(java.lang.management.ThreadMXBean mx, Thread pt, long bytes, long calls, long fulls) throws IOException {
        Snap s = new Snap();
        s.senderCpu = mx.getCurrentThreadCpuTime();
        s.producerCpu = mx.getThreadCpuTime(pt.getId());
        s.procCpu = procCpuNanos();
        s.threads = threadCpu();
        s.bytes = bytes; s.calls = calls; s.fulls = fulls;
        return s;
    }

    /** A second JVM running this same file (or class) in reader mode. */
    static Process startReader(int port) throws IOException {
        ProcessHandle.Info info = ProcessHandle.current().info();
        List<String> cmd = new ArrayList<>(List.of(info.command().orElse("java")));
        Optional<String> src = Arrays.stream(info.arguments().orElse(new String[0]))
                .filter(a -> a.endsWith("ZeroCopyExperiment.java")).findFirst();
        if (src.isPresent()) cmd.add(src.get());
        else cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "ZeroCopyExperiment"));
        cmd.addAll(List.of("reader", "" + port, "" + clients, "" + chunk, "" + readerDelayMs));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    // ============================== reader process ==============================
    static void reader(String[] a) throws IOException {
        int port = Integer.parseInt(a[1]), n = Integer.parseInt(a[2]);
        chunk = Integer.parseInt(a[3]);
        Selector sel = Selector.open();
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ, i);
        }
        try { Thread.sleep(Long.parseLong(a[4])); } catch (InterruptedException e) { }
        ByteBuffer buf = ByteBuffer.allocateDirect(256 << 10);
        long total = 0, errors = 0, cpu0 = -1;   // cpu0: reader CPU at the first byte (JVM start-up excluded)
        String first = null;
        for (int open = n; open > 0; ) {
            if (sel.select(30_000) == 0) { System.err.println("reader: no data for 30 s, giving up"); break; }
            for (SelectionKey key : sel.selectedKeys()) {
                int i = (Integer) key.attachment();
                buf.clear();
                int r = ((SocketChannel) key.channel()).read(buf);
                if (r < 0) { key.channel().close(); open--; continue; }
                if (cpu0 < 0) cpu0 = procCpuNanos();
                long p0 = pos[i];
                for (long q = (p0 + 255) & ~255L; q < p0 + r; q += 256) {   // every 256th stream byte
                    long k = q / chunk;
                    if (buf.get((int) (q - p0)) != stamp(k, (q - k * chunk) >> 8)) {
                        if (errors++ == 0) first = "client " + i + " stream byte " + q + " (chunk " + k + ")";
                    }
                }
                pos[i] += r;
                total += r;
            }
            sel.selectedKeys().clear();
        }
        if (first != null) System.err.println("reader: first integrity error at " + first);
        double cpu = (procCpuNanos() - Math.max(cpu0, 0)) / 1e9;
        System.out.printf("READER bytes=%d errors=%d cpu_s=%.2f MB_per_cpu_s=%.0f%n", total, errors, cpu, total / 1e6 / cpu);
    }

    // ============================== main ==============================
    static long size(String s) {
        String[][] units = {{"KiB", "1024"}, {"MiB", "1048576"}, {"KB", "1000"}, {"kB", "1000"}, {"MB", "1000000"},
                            {"k", "1024"}, {"K", "1024"}, {"M", "1048576"}, {"B", "1"}};
        for (String[] u : units)
            if (s.endsWith(u[0])) return (long) (Double.parseDouble(s.substring(0, s.length() - u[0].length())) * Long.parseLong(u[1]));
        return Long.parseLong(s);
    }

    static void usage() {
        System.err.println("usage: java ZeroCopyExperiment.java [--mode writev|sendfile|both] [--clients 100]\n"
            + "  [--chunk 64KiB] [--rate 15MB (stream bytes/s, received by every client)] [--duration 20] [--warmup 3]\n"
            + "  [--slabs 16] [--slab-size 4MiB] [--max-call 256KiB] [--tick-ms 1]\n"
            + "  [--no-truncate] [--reader-delay-ms 0] (these two: to show the slab-reuse hazard)\n"
            + "sizes: 1316, 64KiB/64k (1024), 15MB (10^6)");
        System.exit(2);
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("reader")) { reader(args); return; }
        for (int i = 0; i < args.length; i++) {
            String o = args[i];
            if (o.equals("--no-truncate")) { truncate = false; continue; }
            if (i + 1 >= args.length) usage();
            String v = args[++i];
            switch (o) {
                case "--mode" -> mode = v;
                case "--clients" -> clients = Integer.parseInt(v);
                case "--chunk" -> chunk = (int) size(v);
                case "--rate" -> rate = size(v);
                case "--duration" -> duration = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--slabs" -> slabs = Integer.parseInt(v);
                case "--slab-size" -> slabSize = (int) size(v);
                case "--max-call" -> maxCall = (int) size(v);
                case "--tick-ms" -> tickNanos = (long) (Double.parseDouble(v) * 1e6);
                case "--reader-delay-ms" -> readerDelayMs = Long.parseLong(v);
                default -> usage();
            }
        }
        cps = slabSize / chunk;
        slabBytes = (long) cps * chunk;
        if (cps < 1 || slabs < 2 || !List.of("writev", "merged", "sendfile", "both").contains(mode)) usage();
        System.out.printf("# JDK %s, %d cores, kernel %s; clients=%d chunk=%d B rate=%.1f MB/s per client, "
                + "ring %d x %d B, max %d B per call, tick %.1f ms, warm-up %.1f s + window %.1f s%s%n",
            Runtime.version(), Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
            clients, chunk, rate / 1e6, slabs, slabSize, maxCall, tickNanos / 1e6, warmup, duration,
            truncate ? "" : ", NO TRUNCATE (unsafe slab reuse)");
        List<double[]> r = new ArrayList<>();
        for (String m : mode.equals("both") ? List.of("writev", "merged", "sendfile") : List.of(mode)) r.add(runMode(m));
        for (int i = 1; i < r.size(); i++)
            System.out.printf("SUMMARY %s/writev: MB per sender CPU-s x%.2f, MB per process CPU-s x%.2f%n",
                i == 1 ? "merged" : "sendfile", r.get(i)[0] / r.get(0)[0], r.get(i)[1] / r.get(0)[1]);
    }
}
