package io.fanout.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGINT and SIGTERM end the input like end of file (the CLI then drains and exits 0); a second
 * signal exits at once with status 1. Uses {@code sun.misc.Signal} (module jdk.unsupported), so
 * that the JVM does not start its shutdown sequence on the first signal.
 */
final class Signals
{
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals()
    {
    }

    /**
     * @param onFirst runs on the first SIGINT or SIGTERM, on a signal-dispatch thread.
     */
    /**
     * @param onHangup runs on every SIGHUP, on a signal-dispatch thread (re-reading files).
     */
    static void onHangup(final Runnable onHangup)
    {
        try
        {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> onHangup.run());
        }
        catch (final IllegalArgumentException ex)
        {
            LOG.debug("cannot handle SIGHUP", ex);
        }
    }

    static void onTerminate(final Runnable onFirst)
    {
        final boolean[] seen = new boolean[1];
        final sun.misc.SignalHandler handler = signal ->
        {
            synchronized (seen)
            {
                if (seen[0])
                {
                    Runtime.getRuntime().halt(1);
                }
                seen[0] = true;
            }
            onFirst.run();
        };
        for (final String name : new String[] {"INT", "TERM"})
        {
            try
            {
                sun.misc.Signal.handle(new sun.misc.Signal(name), handler);
            }
            catch (final IllegalArgumentException ex)
            {
                LOG.debug("cannot handle SIG{}", name, ex);
            }
        }
    }
}
