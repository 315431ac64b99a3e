package io.fanout.bench;

import io.fanout.sink.MultiSocketSink;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * N loopback clients in a child JVM (the {@link LoadGen} without a feed), so that a benchmark with
 * 10,000 clients needs 10,000 file descriptors in each process rather than 20,000 in one. The
 * child connects to a {@code TcpServerSink} in the benchmark's JVM, reads and discards; the
 * constructor returns when the sink has every client. For benchmarks only.
 */
final class ClientProcess implements AutoCloseable
{
    private final Process process;

    ClientProcess(final MultiSocketSink sink, final int port, final int clients) throws IOException, InterruptedException
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        process = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
            LoadGen.class.getName(), "--port", Integer.toString(port), "--clients", Integer.toString(clients),
            "--connect-rate", "20000", "--connect-inflight", "64", "--settle", "0", "--warmup", "0",
            "--duration", "100000", "--quiet")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (sink.stats().numHandles() < clients)
        {
            if (System.nanoTime() > deadline || !process.isAlive())
            {
                close();
                throw new IOException("only " + sink.stats().numHandles() + " of " + clients + " clients connected");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close()
    {
        process.destroy();
        try
        {
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
