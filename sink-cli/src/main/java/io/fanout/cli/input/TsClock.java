package io.fanout.cli.input;

import java.nio.ByteBuffer;

/**
 * Stream time of an MPEG-TS: the PCR of the first PID that carries one (the program's clock);
 * until a PCR is seen, the DTS (or PTS) of the first PID whose PES headers carry one. A chunk ends
 * with the packet that carries such a time. Times are unwrapped past the 33-bit rollover. A
 * position without the sync byte is handed on as one untimed byte (the framer resynchronises).
 */
final class TsClock implements StreamClock
{
    private static final long PCR_WRAP = (TsFields.TIMESTAMP_MASK + 1) * TsFields.PCR_PER_TICK;
    private static final long PTS_WRAP = TsFields.TIMESTAMP_MASK + 1;

    private int pcrPid = -1;
    private int ptsPid = -1;
    private long time = NO_TIME;
    private long lastRaw = -1;
    private long unwrapped;

    @Override
    public int next(final ByteBuffer staged)
    {
        final int from = staged.position();
        int at = from;
        while (at + TsFields.PACKET <= staged.limit())
        {
            if (!TsFields.synced(staged, at))
            {
                time = NO_TIME;
                return at == from ? 1 : at - from;
            }
            final long t = timeOf(staged, at);
            at += TsFields.PACKET;
            if (t != NO_TIME)
            {
                time = t;
                return at - from;
            }
        }
        if (at > from && at + TsFields.PACKET > staged.capacity())
        {
            time = NO_TIME; // the staging is full of packets without a time: hand them on
            return at - from;
        }
        return NEED_MORE;
    }

    @Override
    public long timeNs()
    {
        return time;
    }

    private long timeOf(final ByteBuffer b, final int at)
    {
        final int pid = TsFields.pid(b, at);
        final long pcr = TsFields.pcr(b, at);
        if (pcr != TsFields.NO_TIME && (pcrPid < 0 || pid == pcrPid))
        {
            if (pcrPid < 0)
            {
                pcrPid = pid;
                lastRaw = -1; // from PTS to PCR: a new timeline (the pacer re-anchors)
            }
            return unwrap(pcr, PCR_WRAP) * 1000 / 27;
        }
        if (pcrPid >= 0)
        {
            return NO_TIME;
        }
        final int ts = TsFields.pesTimestampsAt(b, at);
        if (ts < 0 || ptsPid >= 0 && pid != ptsPid)
        {
            return NO_TIME;
        }
        ptsPid = pid;
        final long decode = TsFields.hasDts(b, ts) ? TsFields.timestamp(b, ts + 5) : TsFields.timestamp(b, ts);
        return unwrap(decode, PTS_WRAP) * 100_000 / 9;
    }

    private long unwrap(final long raw, final long wrap)
    {
        if (lastRaw < 0)
        {
            unwrapped = raw;
        }
        else
        {
            long delta = raw - lastRaw;
            if (delta < -wrap / 2)
            {
                delta += wrap;
            }
            else if (delta > wrap / 2)
            {
                delta -= wrap;
            }
            unwrapped += delta;
        }
        lastRaw = raw;
        return unwrapped;
    }
}
