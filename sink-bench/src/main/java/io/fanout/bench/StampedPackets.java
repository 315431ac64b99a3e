package io.fanout.bench;

import java.nio.ByteBuffer;

/**
 * The feeder's payload: 188-byte MPEG-TS packets (sync byte 0x47, PID 0x100, payload only) whose
 * first payload bytes carry the magic {@code FOUT} and the feeder's {@link System#nanoTime()} at the
 * moment of the write, big-endian. Both servers treat them as opaque bytes; a client that finds
 * them computes producer-to-client latency (same machine, same monotonic clock).
 */
public final class StampedPackets
{
    /** TS packet size. */
    public static final int PACKET = 188;
    private static final int MAGIC = 0x464F5554; // "FOUT"

    private StampedPackets()
    {
    }

    /**
     * Fills {@code buffer} (0 .. capacity) with whole packets, continuity counters counting up,
     * without timestamps.
     *
     * @param buffer a buffer whose capacity is a multiple of {@link #PACKET}.
     */
    public static void fill(final ByteBuffer buffer)
    {
        for (int p = 0, cc = 0; p + PACKET <= buffer.capacity(); p += PACKET, cc++)
        {
            buffer.put(p, (byte)0x47);
            buffer.put(p + 1, (byte)0x01);
            buffer.put(p + 2, (byte)0x00);
            buffer.put(p + 3, (byte)(0x10 | (cc & 0x0F)));
            buffer.putInt(p + 4, MAGIC);
            buffer.putLong(p + 8, 0);
            for (int i = p + 16; i < p + PACKET; i++)
            {
                buffer.put(i, (byte)0xFF);
            }
        }
    }

    /**
     * Writes {@code nanoTime} into every packet of {@code buffer} from {@code from} to {@code to}.
     *
     * @param buffer   filled by {@link #fill}.
     * @param from     first byte (a packet start).
     * @param to       end (exclusive).
     * @param nanoTime the stamp.
     */
    public static void stamp(final ByteBuffer buffer, final int from, final int to, final long nanoTime)
    {
        for (int p = from; p + PACKET <= to; p += PACKET)
        {
            buffer.putLong(p + 8, nanoTime);
        }
    }

    /** Receives the latency of each packet a {@link Parser} completes. */
    public interface LatencySink
    {
        /** @param nanos now minus the packet's stamp. */
        void record(long nanos);
    }

    /**
     * One client's parser: follows packet boundaries across reads, resynchronising on the sync
     * byte and magic, and reports each stamped packet's age. No allocation.
     */
    public static final class Parser
    {
        private int pos = -1; // byte of the current packet, -1 when not synchronised
        private int magic;
        private long stamp;
        private long packets;
        private long resyncs;

        /**
         * @param buffer bytes received.
         * @param from   first byte.
         * @param to     end (exclusive).
         * @param nowNs  the time of the read.
         * @param sink   where latencies go, or null to parse without recording.
         */
        public void parse(final ByteBuffer buffer, final int from, final int to, final long nowNs, final LatencySink sink)
        {
            int i = from;
            while (i < to)
            {
                if (pos < 0)
                {
                    if (buffer.get(i) != 0x47)
                    {
                        i++;
                        continue;
                    }
                    pos = 0;
                }
                if (pos >= 16)
                {
                    final int skip = Math.min(PACKET - pos, to - i);
                    i += skip;
                    pos += skip;
                    if (pos == PACKET)
                    {
                        pos = 0;
                    }
                    continue;
                }
                final int b = buffer.get(i) & 0xFF;
                if (pos == 0)
                {
                    if (b != 0x47)
                    {
                        pos = -1;
                        resyncs++;
                        continue;
                    }
                    magic = 0;
                    stamp = 0;
                }
                else if (pos >= 4 && pos < 8)
                {
                    magic = (magic << 8) | b;
                    if (pos == 7 && magic != MAGIC)
                    {
                        pos = -1;
                        resyncs++;
                        i++;
                        continue;
                    }
                }
                else if (pos >= 8)
                {
                    stamp = (stamp << 8) | b;
                    if (pos == 15)
                    {
                        packets++;
                        if (sink != null && stamp != 0)
                        {
                            sink.record(nowNs - stamp);
                        }
                    }
                }
                pos++;
                i++;
            }
        }

        /** @return stamped packets seen. */
        public long packets()
        {
            return packets;
        }

        /** @return times synchronisation was lost. */
        public long resyncs()
        {
            return resyncs;
        }
    }
}
