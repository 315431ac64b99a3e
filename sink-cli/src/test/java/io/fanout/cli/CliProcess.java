package io.fanout.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The packaged sink-cli jar run as a real process, with its stderr collected line by line. */
final class CliProcess implements AutoCloseable
{
    private static final Pattern SERVING = Pattern.compile("serving (?:tcp|http)://[^:]+:(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("admin on http://[^ ]+:(\\d+)/");

    final Process process;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private CliProcess(final Process process)
    {
        this.process = process;
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    lines.add(line);
                }
            }
            catch (final IOException ex)
            {
                lines.add("<stderr failed: " + ex + ">");
            }
        }, "cli-stderr");
        pump.setDaemon(true);
        pump.start();
    }

    static CliProcess start(final String... args) throws IOException
    {
        return start(List.of(), args);
    }

    /**
     * As {@link #start}, in a shell that first lowers the process's open-file limit (soft and hard,
     * so that the JVM cannot raise it again) to {@code maxFds}.
     */
    static CliProcess startWithFdLimit(final int maxFds, final String... args) throws IOException
    {
        return start(List.of("bash", "-c", "ulimit -n " + maxFds + " && exec \"$0\" \"$@\""), args);
    }

    private static CliProcess start(final List<String> launcher, final String... args) throws IOException
    {
        final Path jar = Paths.get(System.getProperty("sink.cli.jar", "target/sink-cli.jar"));
        assertTrue(Files.isRegularFile(jar), "the packaged jar is missing: " + jar.toAbsolutePath());
        final List<String> command = new ArrayList<>(launcher);
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return new CliProcess(builder.start());
    }

    /** Waits for a stderr line matching {@code match}; fails with what was seen on timeout. */
    String awaitLine(final Predicate<String> match, final Duration timeout) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final long left = deadline - System.nanoTime();
            final String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null)
            {
                fail("no matching stderr line within " + timeout + "; seen: " + seen);
            }
            seen.add(line);
            if (match.test(line))
            {
                return line;
            }
        }
    }

    int awaitPort() throws InterruptedException
    {
        final Matcher m = SERVING.matcher(awaitLine(l -> SERVING.matcher(l).find(), Duration.ofSeconds(30)));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    /** @return the port of {@code --admin}, from its start-up line. */
    int awaitAdminPort() throws InterruptedException
    {
        final Matcher m = ADMIN.matcher(awaitLine(l -> ADMIN.matcher(l).find(), Duration.ofSeconds(30)));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    int awaitExit(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            fail("sink-cli did not exit within " + timeout + "; stderr: " + allLines());
        }
        return process.exitValue();
    }

    /** Every stderr line so far (after exit: all of them). */
    List<String> allLines() throws InterruptedException
    {
        // give the pump a moment to hand over the final lines of an exited process
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String line;
        while ((line = lines.poll(process.isAlive() ? 0 : 100, TimeUnit.MILLISECONDS)) != null ||
            (!process.isAlive() && System.nanoTime() < deadline && !lines.isEmpty()))
        {
            if (line != null)
            {
                seen.add(line);
            }
        }
        return seen;
    }

    /** @return every stderr line so far as one text, for a failure message. */
    String stderr()
    {
        try
        {
            return allLines().toString();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    @Override
    public void close()
    {
        process.destroyForcibly();
    }
}
