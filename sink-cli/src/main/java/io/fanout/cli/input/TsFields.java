package io.fanout.cli.input;

import java.nio.ByteBuffer;

/**
 * Reads and writes the fields of one 188-byte MPEG-TS packet (ISO/IEC 13818-1 §2.4.3) in place,
 * at an absolute index of a buffer: PID, continuity counter, the PCR of the adaptation field, and
 * the PTS and DTS of a PES header that starts in the packet. Stateless; allocation-free.
 */
final class TsFields
{
    static final int PACKET = 188;
    static final int SYNC = 0x47;
    static final int NULL_PID = 0x1FFF;
    /** Timestamps are 33 bits of a 90 kHz clock; PCR adds a 9-bit extension at 27 MHz. */
    static final long TIMESTAMP_MASK = (1L << 33) - 1;
    static final long PCR_PER_TICK = 300;
    static final long NO_TIME = -1;

    private TsFields()
    {
    }

    static boolean synced(final ByteBuffer b, final int at)
    {
        return (b.get(at) & 0xFF) == SYNC;
    }

    static int pid(final ByteBuffer b, final int at)
    {
        return ((b.get(at + 1) & 0x1F) << 8) | (b.get(at + 2) & 0xFF);
    }

    static boolean payloadStart(final ByteBuffer b, final int at)
    {
        return (b.get(at + 1) & 0x40) != 0;
    }

    static boolean hasPayload(final ByteBuffer b, final int at)
    {
        return (b.get(at + 3) & 0x10) != 0;
    }

    static int continuityCounter(final ByteBuffer b, final int at)
    {
        return b.get(at + 3) & 0x0F;
    }

    static void continuityCounter(final ByteBuffer b, final int at, final int cc)
    {
        b.put(at + 3, (byte)((b.get(at + 3) & 0xF0) | (cc & 0x0F)));
    }

    /** @return where the PCR's 6 bytes are, or -1 when the packet carries none. */
    private static int pcrAt(final ByteBuffer b, final int at)
    {
        if ((b.get(at + 3) & 0x20) == 0)
        {
            return -1;
        }
        final int length = b.get(at + 4) & 0xFF;
        return length >= 7 && (b.get(at + 5) & 0x10) != 0 ? at + 6 : -1;
    }

    /** @return the PCR in 27 MHz ticks, or {@link #NO_TIME}. */
    static long pcr(final ByteBuffer b, final int at)
    {
        final int p = pcrAt(b, at);
        if (p < 0)
        {
            return NO_TIME;
        }
        final long base = ((b.get(p) & 0xFFL) << 25) | ((b.get(p + 1) & 0xFFL) << 17) | ((b.get(p + 2) & 0xFFL) << 9) |
            ((b.get(p + 3) & 0xFFL) << 1) | ((b.get(p + 4) & 0x80L) >> 7);
        final long ext = ((b.get(p + 4) & 0x01L) << 8) | (b.get(p + 5) & 0xFFL);
        return base * PCR_PER_TICK + ext;
    }

    /** Writes a PCR (27 MHz ticks, wrapped to 33 bits of base) where the packet carries one. */
    static void pcr(final ByteBuffer b, final int at, final long pcr27)
    {
        final int p = pcrAt(b, at);
        if (p < 0)
        {
            return;
        }
        final long base = (pcr27 / PCR_PER_TICK) & TIMESTAMP_MASK;
        final long ext = pcr27 % PCR_PER_TICK;
        b.put(p, (byte)(base >>> 25));
        b.put(p + 1, (byte)(base >>> 17));
        b.put(p + 2, (byte)(base >>> 9));
        b.put(p + 3, (byte)(base >>> 1));
        b.put(p + 4, (byte)(((base & 1) << 7) | 0x7E | ((ext >>> 8) & 1)));
        b.put(p + 5, (byte)ext);
    }

    /**
     * @return where the PES header's optional fields start (the PTS), or -1 when the packet does
     * not start a PES packet with a PTS: only then are {@link #pts} and {@link #dts} meaningful.
     */
    static int pesTimestampsAt(final ByteBuffer b, final int at)
    {
        if (!payloadStart(b, at) || !hasPayload(b, at) || pid(b, at) == NULL_PID)
        {
            return -1;
        }
        int p = at + 4;
        if ((b.get(at + 3) & 0x20) != 0)
        {
            p += 1 + (b.get(at + 4) & 0xFF);
        }
        if (p + 19 > at + PACKET || b.get(p) != 0 || b.get(p + 1) != 0 || b.get(p + 2) != 1)
        {
            return -1;
        }
        final int streamId = b.get(p + 3) & 0xFF;
        if (streamId < 0xBD || streamId == 0xBE || streamId == 0xBF || streamId >= 0xF0 && streamId != 0xFD)
        {
            return -1; // no optional PES header: padding, private_2, system streams
        }
        return (b.get(p + 7) & 0x80) != 0 ? p + 9 : -1;
    }

    /** @return whether the PES header at {@code ts} (from {@link #pesTimestampsAt}) has a DTS too. */
    static boolean hasDts(final ByteBuffer b, final int ts)
    {
        return (b.get(ts - 2) & 0xC0) == 0xC0;
    }

    /** @return the 33-bit 90 kHz timestamp whose 5 bytes start at {@code p}. */
    static long timestamp(final ByteBuffer b, final int p)
    {
        return ((b.get(p) & 0x0EL) << 29) | ((b.get(p + 1) & 0xFFL) << 22) | ((b.get(p + 2) & 0xFEL) << 14) |
            ((b.get(p + 3) & 0xFFL) << 7) | ((b.get(p + 4) & 0xFEL) >> 1);
    }

    /** Writes a 90 kHz timestamp (wrapped to 33 bits) into the 5 bytes at {@code p}, keeping the prefix nibble. */
    static void timestamp(final ByteBuffer b, final int p, final long value)
    {
        final long v = value & TIMESTAMP_MASK;
        b.put(p, (byte)((b.get(p) & 0xF0) | ((v >>> 29) & 0x0E) | 1));
        b.put(p + 1, (byte)(v >>> 22));
        b.put(p + 2, (byte)(((v >>> 14) & 0xFE) | 1));
        b.put(p + 3, (byte)(v >>> 7));
        b.put(p + 4, (byte)(((v << 1) & 0xFE) | 1));
    }
}
