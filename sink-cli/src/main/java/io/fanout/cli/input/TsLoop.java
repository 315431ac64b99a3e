package io.fanout.cli.input;

import org.agrona.collections.Int2ObjectHashMap;

import java.nio.ByteBuffer;

/**
 * Keeps a looped MPEG-TS valid for players: on every pass after the first, each packet's
 * continuity counter, PCR, PTS and DTS continue from where the previous pass ended instead of
 * jumping back. The first pass is read as it is and learnt: per PID the first and last
 * continuity counter, the span of timestamps and the last step between two of them. At a loop
 * point the pass's duration is the longest span plus its last step over every PID (the PCR
 * included), so every stream's timestamps keep increasing and audio and video keep one offset.
 * <p>
 * Packets are rewritten in place, one whole 188-byte packet at a time, only when they start with
 * the sync byte. Reader thread of the input only; allocates only when it meets a new PID.
 */
final class TsLoop
{
    private static final int CC_MODULO = 16;

    private final Int2ObjectHashMap<Pid> pids = new Int2ObjectHashMap<>();
    private int pass;
    /** Loop duration in 90 kHz ticks, known after the first pass. */
    private long passTicks;
    private long offsetTicks;

    /** One packet at {@code at}: learnt on the first pass, rewritten on the later ones. */
    void packet(final ByteBuffer b, final int at)
    {
        if (!TsFields.synced(b, at))
        {
            return;
        }
        final int pidNumber = TsFields.pid(b, at);
        if (pidNumber == TsFields.NULL_PID)
        {
            return;
        }
        Pid pid = pids.get(pidNumber);
        if (pid == null)
        {
            pid = new Pid();
            pids.put(pidNumber, pid);
        }
        if (pass == 0)
        {
            learn(b, at, pid);
        }
        else
        {
            rewrite(b, at, pid);
        }
    }

    /** The input starts again from its beginning. */
    void restart()
    {
        if (pass == 0)
        {
            long ticks = 0;
            for (final Pid pid : pids.values())
            {
                ticks = Math.max(ticks, pid.passTicks());
                pid.ccStep = pid.firstCc < 0 ? 0 : (pid.lastCc + 1 - pid.firstCc + CC_MODULO) % CC_MODULO;
            }
            passTicks = ticks;
        }
        pass++;
        offsetTicks += passTicks;
        for (final Pid pid : pids.values())
        {
            pid.ccShift = (pid.ccShift + pid.ccStep) % CC_MODULO;
        }
    }

    private static void learn(final ByteBuffer b, final int at, final Pid pid)
    {
        if (TsFields.hasPayload(b, at))
        {
            final int cc = TsFields.continuityCounter(b, at);
            if (pid.firstCc < 0)
            {
                pid.firstCc = cc;
            }
            pid.lastCc = cc;
        }
        final long pcr = TsFields.pcr(b, at);
        if (pcr != TsFields.NO_TIME)
        {
            pid.pcr.add(pcr / TsFields.PCR_PER_TICK);
        }
        final int ts = TsFields.pesTimestampsAt(b, at);
        if (ts >= 0)
        {
            final long pts = TsFields.timestamp(b, ts);
            pid.pts.span(pts);
            pid.pts.step(TsFields.hasDts(b, ts) ? TsFields.timestamp(b, ts + 5) : pts);
        }
    }

    private void rewrite(final ByteBuffer b, final int at, final Pid pid)
    {
        TsFields.continuityCounter(b, at, TsFields.continuityCounter(b, at) + pid.ccShift);
        final long pcr = TsFields.pcr(b, at);
        if (pcr != TsFields.NO_TIME)
        {
            TsFields.pcr(b, at, pcr + offsetTicks * TsFields.PCR_PER_TICK);
        }
        final int ts = TsFields.pesTimestampsAt(b, at);
        if (ts >= 0)
        {
            TsFields.timestamp(b, ts, TsFields.timestamp(b, ts) + offsetTicks);
            if (TsFields.hasDts(b, ts))
            {
                TsFields.timestamp(b, ts + 5, TsFields.timestamp(b, ts + 5) + offsetTicks);
            }
        }
    }

    /** What the first pass taught about one PID. */
    private static final class Pid
    {
        final Span pcr = new Span();
        final Span pts = new Span();
        int firstCc = -1;
        int lastCc;
        int ccStep;
        int ccShift;

        long passTicks()
        {
            return Math.max(pcr.ticks(), pts.ticks());
        }
    }

    /** The span of one kind of timestamp in 90 kHz ticks, and the last step between two in decoding order. */
    private static final class Span
    {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        long last = -1;
        long lastStep;

        void add(final long t)
        {
            span(t);
            step(t);
        }

        void span(final long t)
        {
            min = Math.min(min, t);
            max = Math.max(max, t);
        }

        void step(final long t)
        {
            if (last >= 0 && t > last)
            {
                lastStep = t - last;
            }
            last = t;
        }

        long ticks()
        {
            return max < min ? 0 : max - min + lastStep;
        }
    }
}
