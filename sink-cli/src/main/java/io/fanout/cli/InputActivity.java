package io.fanout.cli;

/**
 * When input last arrived, for {@code /readyz}: the input thread marks each read that rendered
 * something; the admin server's threads read it. A volatile long on the monotonic clock.
 */
final class InputActivity
{
    private volatile long lastInputNs;
    private volatile boolean seen;

    /** Input thread: input arrived now. */
    void arrived()
    {
        lastInputNs = System.nanoTime();
        seen = true;
    }

    /**
     * Any thread.
     *
     * @param nowNs the monotonic clock now.
     * @return how long ago input last arrived, in ns, or -1 when none ever did.
     */
    long sinceLastNs(final long nowNs)
    {
        return seen ? nowNs - lastInputNs : -1;
    }
}
