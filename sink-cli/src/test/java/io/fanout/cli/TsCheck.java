package io.fanout.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads a captured MPEG-TS for the input-source tests: the program (PAT, PMT), continuity
 * counters, PCRs and PES timestamps, packet by packet (ISO/IEC 13818-1 §2.4.3). A capture starts on
 * a packet boundary (the sink hands out whole packets); a trailing partial packet is ignored.
 */
final class TsCheck
{
    static final int SIZE = TsPackets.SIZE;
    static final int NULL_PID = 0x1FFF;
    /** The PCR's clock, in Hz. */
    static final long PCR_HZ = 27_000_000L;
    /** The PES timestamps' clock, in Hz. */
    static final long PTS_HZ = 90_000L;
    static final long NO_TIME = -1;
    private static final int STREAM_TYPE_H264 = 0x1B;

    private TsCheck()
    {
    }

    /** The first program of a capture: its PMT PID, PCR PID and elementary streams (PID to stream_type). */
    record Program(int pmtPid, int pcrPid, Map<Integer, Integer> streams)
    {
        /** @return the PID of the first H.264 stream. */
        int videoPid()
        {
            return streams.entrySet().stream().filter(e -> e.getValue() == STREAM_TYPE_H264).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError("no H.264 stream in the PMT: " + streams));
        }
    }

    /** One packet's PCR (27 MHz) and the offset of its first byte in the capture. */
    record Pcr(int offset, long value)
    {
    }

    /** One PES header's timestamps (90 kHz; dts is the pts when the header has none). */
    record Pes(int offset, long pts, long dts)
    {
    }

    /** @return the number of whole packets in {@code ts}, after checking each starts with the sync byte. */
    static int packets(final byte[] ts)
    {
        final int count = ts.length / SIZE;
        for (int i = 0; i < count; i++)
        {
            if ((ts[i * SIZE] & 0xFF) != 0x47)
            {
                throw new AssertionError("no sync byte at offset " + i * SIZE + " (packet " + i + ")");
            }
        }
        return count;
    }

    static int pid(final byte[] ts, final int at)
    {
        return ((ts[at + 1] & 0x1F) << 8) | (ts[at + 2] & 0xFF);
    }

    static boolean payloadUnitStart(final byte[] ts, final int at)
    {
        return (ts[at + 1] & 0x40) != 0;
    }

    static boolean hasPayload(final byte[] ts, final int at)
    {
        return (ts[at + 3] & 0x10) != 0;
    }

    static int continuityCounter(final byte[] ts, final int at)
    {
        return ts[at + 3] & 0x0F;
    }

    private static int adaptationLength(final byte[] ts, final int at)
    {
        return (ts[at + 3] & 0x20) != 0 ? ts[at + 4] & 0xFF : -1;
    }

    static boolean randomAccess(final byte[] ts, final int at)
    {
        return adaptationLength(ts, at) > 0 && (ts[at + 5] & 0x40) != 0;
    }

    static boolean discontinuity(final byte[] ts, final int at)
    {
        return adaptationLength(ts, at) > 0 && (ts[at + 5] & 0x80) != 0;
    }

    /** @return the packet's PCR in 27 MHz units, or {@link #NO_TIME}. */
    static long pcr(final byte[] ts, final int at)
    {
        if (adaptationLength(ts, at) < 7 || (ts[at + 5] & 0x10) == 0)
        {
            return NO_TIME;
        }
        final long base = ((long)(ts[at + 6] & 0xFF) << 25) | ((ts[at + 7] & 0xFF) << 17) |
            ((ts[at + 8] & 0xFF) << 9) | ((ts[at + 9] & 0xFF) << 1) | ((ts[at + 10] & 0xFF) >> 7);
        final int extension = ((ts[at + 10] & 0x01) << 8) | (ts[at + 11] & 0xFF);
        return base * 300 + extension;
    }

    /** @return the offset of the packet's payload, or -1 when it has none. */
    static int payload(final byte[] ts, final int at)
    {
        if (!hasPayload(ts, at))
        {
            return -1;
        }
        final int adaptation = adaptationLength(ts, at);
        final int offset = at + 4 + (adaptation < 0 ? 0 : 1 + adaptation);
        return offset < at + SIZE ? offset : -1;
    }

    /** @return the program of the first PAT in the capture and the PMT that follows it. */
    static Program program(final byte[] ts)
    {
        final int count = packets(ts);
        int pmtPid = -1;
        for (int i = 0; i < count; i++)
        {
            final int at = i * SIZE;
            if (!payloadUnitStart(ts, at) || payload(ts, at) < 0)
            {
                continue;
            }
            if (pmtPid < 0 && pid(ts, at) == 0)
            {
                pmtPid = TsPackets.pmtPid(ts, at);
            }
            else if (pmtPid >= 0 && pid(ts, at) == pmtPid)
            {
                return parsePmt(ts, at, pmtPid);
            }
        }
        throw new AssertionError("no PAT followed by its PMT in " + count + " packets");
    }

    private static Program parsePmt(final byte[] ts, final int at, final int pmtPid)
    {
        final int pointer = payload(ts, at);
        final int section = pointer + 1 + (ts[pointer] & 0xFF);
        assertEquals(0x02, ts[section] & 0xFF, "table_id of the PMT");
        final int sectionLength = ((ts[section + 1] & 0x0F) << 8) | (ts[section + 2] & 0xFF);
        final int end = Math.min(section + 3 + sectionLength - 4, at + SIZE); // before the CRC
        final int pcrPid = ((ts[section + 8] & 0x1F) << 8) | (ts[section + 9] & 0xFF);
        final int programInfo = ((ts[section + 10] & 0x0F) << 8) | (ts[section + 11] & 0xFF);
        final Map<Integer, Integer> streams = new LinkedHashMap<>();
        for (int es = section + 12 + programInfo; es + 5 <= end; )
        {
            final int type = ts[es] & 0xFF;
            final int pid = ((ts[es + 1] & 0x1F) << 8) | (ts[es + 2] & 0xFF);
            final int info = ((ts[es + 3] & 0x0F) << 8) | (ts[es + 4] & 0xFF);
            streams.put(pid, type);
            es += 5 + info;
        }
        assertTrue(!streams.isEmpty(), "the PMT lists no stream");
        return new Program(pmtPid, pcrPid, streams);
    }

    /**
     * Asserts that, from packet {@code fromPacket} on, every PID but the null PID keeps its
     * continuity counter: +1 modulo 16 on each packet with a payload (one duplicate packet may
     * repeat it), unchanged on a packet without one. The first packet seen of each PID sets its start.
     *
     * @return how many packets were checked.
     */
    static int assertContinuity(final byte[] ts, final int fromPacket, final String who)
    {
        final int count = packets(ts);
        final Map<Integer, Integer> last = new HashMap<>();
        final Map<Integer, Boolean> repeated = new HashMap<>();
        final List<String> errors = new ArrayList<>();
        for (int i = fromPacket; i < count; i++)
        {
            final int at = i * SIZE;
            final int pid = pid(ts, at);
            if (pid == NULL_PID)
            {
                continue;
            }
            final int cc = continuityCounter(ts, at);
            final Integer previous = last.put(pid, cc);
            if (previous == null)
            {
                continue;
            }
            final boolean duplicate = hasPayload(ts, at) && cc == previous && !repeated.getOrDefault(pid, false);
            repeated.put(pid, duplicate);
            final int expected = hasPayload(ts, at) ? (previous + 1) & 0x0F : previous;
            if (cc != expected && !duplicate && errors.size() < 10)
            {
                errors.add("packet " + i + " (offset " + at + ") PID 0x" + Integer.toHexString(pid) + ": CC " + cc +
                    " after " + previous + (hasPayload(ts, at) ? "" : " (no payload)") +
                    (discontinuity(ts, at) ? " (discontinuity_indicator set)" : ""));
            }
        }
        assertTrue(errors.isEmpty(), who + ": continuity errors: " + errors);
        return count - fromPacket;
    }

    /** @return every PCR carried on {@code pid}, in capture order. */
    static List<Pcr> pcrs(final byte[] ts, final int pid)
    {
        final List<Pcr> pcrs = new ArrayList<>();
        final int count = ts.length / SIZE;
        for (int i = 0; i < count; i++)
        {
            final int at = i * SIZE;
            if (pid(ts, at) == pid)
            {
                final long value = pcr(ts, at);
                if (value != NO_TIME)
                {
                    pcrs.add(new Pcr(at, value));
                }
            }
        }
        return pcrs;
    }

    /**
     * @return the seconds of stream the PCRs on {@code pid} went through: the sum of their forward
     * steps of at most a second (a jump back or far ahead, which the checks report, adds nothing).
     */
    static double pcrProgressSeconds(final byte[] ts, final int pid)
    {
        final List<Pcr> pcrs = pcrs(ts, pid);
        long ticks = 0;
        for (int i = 1; i < pcrs.size(); i++)
        {
            final long step = pcrs.get(i).value() - pcrs.get(i - 1).value();
            ticks += step > 0 && step <= PCR_HZ ? step : 0;
        }
        return ticks / (double)PCR_HZ;
    }

    /**
     * Asserts that the PCRs on {@code pid} strictly increase and that no step between two is more
     * than {@code maxStepSeconds} (no jump back, none forward across a loop point).
     *
     * @return how many PCRs were checked.
     */
    static int assertPcrsIncrease(final byte[] ts, final int pid, final double maxStepSeconds, final String who)
    {
        final List<Pcr> pcrs = pcrs(ts, pid);
        assertTrue(pcrs.size() >= 2, who + ": PCRs on PID 0x" + Integer.toHexString(pid) + ": " + pcrs.size());
        for (int i = 1; i < pcrs.size(); i++)
        {
            final long step = pcrs.get(i).value() - pcrs.get(i - 1).value();
            final int index = i;
            assertTrue(step > 0 && step <= maxStepSeconds * PCR_HZ, () -> who + ": PCR at offset " +
                pcrs.get(index).offset() + " steps " + step / (double)PCR_HZ + " s from the one before (" +
                pcrs.get(index - 1).value() + " -> " + pcrs.get(index).value() + ")");
        }
        return pcrs.size();
    }

    /** @return the timestamps of every PES header that starts on {@code pid}, in capture order. */
    static List<Pes> pes(final byte[] ts, final int pid)
    {
        final List<Pes> headers = new ArrayList<>();
        final int count = ts.length / SIZE;
        for (int i = 0; i < count; i++)
        {
            final int at = i * SIZE;
            final int p = payload(ts, at);
            if (pid(ts, at) != pid || !payloadUnitStart(ts, at) || p < 0 || p + 19 > at + SIZE)
            {
                continue;
            }
            if (ts[p] != 0 || ts[p + 1] != 0 || ts[p + 2] != 1 || (ts[p + 6] & 0xC0) != 0x80)
            {
                continue; // not a PES header with the optional fields
            }
            final int flags = (ts[p + 7] & 0xC0) >> 6;
            if (flags < 2)
            {
                continue;
            }
            final long pts = timestamp(ts, p + 9);
            final long dts = flags == 3 ? timestamp(ts, p + 14) : pts;
            headers.add(new Pes(at, pts, dts));
        }
        return headers;
    }

    private static long timestamp(final byte[] ts, final int at)
    {
        return ((long)((ts[at] >> 1) & 0x07) << 30) | ((ts[at + 1] & 0xFF) << 22) | (((ts[at + 2] & 0xFF) >> 1) << 15) |
            ((ts[at + 3] & 0xFF) << 7) | ((ts[at + 4] & 0xFF) >> 1);
    }

    /**
     * Asserts that the decoding timestamps (and, when {@code ptsToo}, the presentation ones: a
     * stream without reordering) of the PES headers on {@code pid} strictly increase, each step at
     * most {@code maxStepSeconds}.
     *
     * @return how many PES headers were checked.
     */
    static int assertTimestampsIncrease(final byte[] ts, final int pid, final boolean ptsToo,
        final double maxStepSeconds, final String who)
    {
        final List<Pes> headers = pes(ts, pid);
        assertTrue(headers.size() >= 2, who + ": PES headers on PID 0x" + Integer.toHexString(pid) + ": " + headers.size());
        for (int i = 1; i < headers.size(); i++)
        {
            final Pes before = headers.get(i - 1);
            final Pes now = headers.get(i);
            final long dtsStep = now.dts() - before.dts();
            final long ptsStep = now.pts() - before.pts();
            final String where = who + ": PID 0x" + Integer.toHexString(pid) + " PES at offset " + now.offset();
            assertTrue(dtsStep > 0 && dtsStep <= maxStepSeconds * PTS_HZ,
                () -> where + ": DTS steps " + dtsStep / (double)PTS_HZ + " s (" + before.dts() + " -> " + now.dts() + ")");
            if (ptsToo)
            {
                assertTrue(ptsStep > 0 && ptsStep <= maxStepSeconds * PTS_HZ,
                    () -> where + ": PTS steps " + ptsStep / (double)PTS_HZ + " s (" + before.pts() + " -> " + now.pts() + ")");
            }
        }
        return headers.size();
    }

    /**
     * @return the offset of the last packet on {@code pid} that starts a PES: everything before it
     * holds only whole PES packets of that PID (a capture cut there ends on a whole frame).
     */
    static int lastPesStart(final byte[] ts, final int pid)
    {
        for (int i = ts.length / SIZE - 1; i >= 0; i--)
        {
            if (pid(ts, i * SIZE) == pid && payloadUnitStart(ts, i * SIZE))
            {
                return i * SIZE;
            }
        }
        throw new AssertionError("no PES starts on PID 0x" + Integer.toHexString(pid));
    }

    /**
     * docs/semantics.md §7 with A.2.4: the streamheader (PAT, PMT) first, then a keyframe: a packet
     * of the video PID with random_access_indicator set.
     */
    static void assertStartsWithPatPmtKeyframe(final byte[] ts, final String who)
    {
        final List<TsPackets.Packet> first = assertStartsWithPatPmt(ts, who);
        assertEquals(program(ts).videoPid(), first.get(2).pid(), who + ": then the video PID " + first);
        assertTrue(first.get(2).randomAccess(), who + ": then a keyframe's packet (random access) " + first);
    }

    /**
     * The streamheader (PAT, PMT) first, and the first packet of the video PID is a random access
     * point; other packets may come between (a client that joins before the stream's first buffer
     * gets that buffer, which is a keyframe while no PMT is known: docs of MpegTsFramer).
     */
    static void assertStartsWithPatPmtThenVideoAtAKeyframe(final byte[] ts, final String who)
    {
        final List<TsPackets.Packet> first = assertStartsWithPatPmt(ts, who);
        final int video = program(ts).videoPid();
        for (int i = 2; i < ts.length / SIZE; i++)
        {
            if (pid(ts, i * SIZE) == video)
            {
                assertTrue(randomAccess(ts, i * SIZE), who + ": the first video packet (packet " + i +
                    ") is a random access point; the first: " + TsPackets.first(ts, 0, i + 1));
                return;
            }
        }
        throw new AssertionError(who + ": no video packet after " + first);
    }

    private static List<TsPackets.Packet> assertStartsWithPatPmt(final byte[] ts, final String who)
    {
        assertTrue(ts.length > 10 * SIZE, who + " received a stream: " + ts.length + " bytes");
        final Program program = program(ts);
        final List<TsPackets.Packet> first = TsPackets.first(ts, 0, 3);
        assertEquals(0, first.get(0).pid(), who + ": PAT first " + first);
        assertEquals(program.pmtPid(), first.get(1).pid(), who + ": then the PMT " + first);
        return first;
    }
}
