package io.fanout.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Another process's CPU time, resident memory and (for a JVM) live heap, from /proc and jcmd. */
final class ProcSampler
{
    /** USER_HZ: the unit of utime and stime in /proc/PID/stat (100 on every Linux platform). */
    static final long CLK_TCK = 100;

    private final long pid;

    ProcSampler(final long pid)
    {
        this.pid = pid;
    }

    /** @return utime + stime of the process (all threads) in clock ticks, -1 when unreadable. */
    long cpuTicks()
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            final String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return VmRSS in bytes, -1 when unreadable. */
    long rssBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // gone
        }
        return -1;
    }

    /**
     * Live heap of a JVM after a full GC: the total of {@code jcmd PID GC.class_histogram}.
     *
     * @return bytes, -1 when jcmd failed.
     */
    long liveHeapBytes()
    {
        try
        {
            final Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram")
                .redirectErrorStream(true).start();
            String total = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = in.readLine()) != null)
                {
                    if (line.startsWith("Total"))
                    {
                        total = line;
                    }
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS) || total == null)
            {
                p.destroyForcibly();
                return -1;
            }
            final String[] parts = total.trim().split("\\s+");
            return Long.parseLong(parts[2]);
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
