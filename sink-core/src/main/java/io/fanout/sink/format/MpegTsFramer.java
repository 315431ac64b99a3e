package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The {@code mpegts} format: an MPEG transport stream (ISO/IEC 13818-1) of 188-byte packets,
 * rendered as buffers of whole packets with keyframes at random access points and the latest
 * PAT and PMT as the streamheader, as mpegtsmux marks its output (DELTA_UNIT except at random
 * access, caps {@code streamheader} = PAT + PMT), for a stream that arrives already muxed.
 * Producer thread only: the framer is the sink's single producer while it runs.
 * <p>
 * <b>Zero copy.</b> Each {@link #pump} reads once (up to the larger of the block size and 64 KiB,
 * in whole packets) straight into the sink's claimed direct memory and scans the packets where
 * they lie: whole packets are committed in place, bytes that are not packets are discarded in
 * place. Payload bytes are never copied: only a changed PAT or PMT packet (188 bytes, rare) is
 * copied into the framer, to become the streamheader. Allocation-free while the PAT and PMT stay
 * the same and the input is good.
 * <p>
 * <b>Buffers.</b> Each buffer holds whole packets; one ends
 * <ul>
 * <li>before a packet that starts a keyframe: its adaptation field has random_access_indicator
 * set and its PID counts for keyframes ({@link KeyframePid});</li>
 * <li>when the next packet would exceed the block size: {@code blocksize} bytes rounded down to
 * whole packets, at least one packet;</li>
 * <li>at the end of the complete packets of each read: a complete packet is never held back
 * waiting for more input (live latency), so a buffer may be smaller than the block size. A partial
 * packet at the end of a read stays uncommitted until the next read completes it.</li>
 * </ul>
 * A buffer that starts with a keyframe packet is a keyframe (flags 0), every other buffer is
 * {@link BufferFlags#DELTA_UNIT}; except that with {@link KeyframePid#AUTO}, while no PMT with a
 * video stream has been seen (none yet, or one without video), every buffer is a keyframe: with
 * nothing known to wait for, a client must not wait. The flags of a buffer are decided by the
 * state before its first packet. Packets with transport_error_indicator set never start a
 * keyframe and are not parsed as PAT or PMT (they are still rendered). No timestamps: pts and
 * duration are {@link MultiSocketSink#CLOCK_TIME_NONE}.
 * <p>
 * <b>Streamheader.</b> PAT on PID 0 (the first program with a program_number other than 0) and
 * the PMT of that program on its program_map_PID. When the section bytes of either change (a
 * repetition that differs only in the continuity counter or stuffing is no change), and both are
 * known, {@link MultiSocketSink#setStreamheader} gets the latest full PAT and PMT packets, before
 * the buffer that holds the changed packet is committed. When the PAT moves the program to
 * another PMT PID, the streamheader stays as it was until that PMT arrives. Sections with a bad
 * CRC or a broken header are ignored, counted in {@link #sectionsRejected()} and reported (once
 * until a good section is accepted). Limitations: only sections wholly contained in one packet
 * are read (a PAT or PMT nearly always is), and only section 0 of a table, with
 * current_next_indicator set; other sections are passed through as data and ignored.
 * <p>
 * <b>Lost sync.</b> A position where a packet should start and that does not hold the sync
 * byte 0x47 starts a burst, counted in {@link #syncLosses()}. Bytes are discarded (counted in
 * {@link #bytesSkipped()}) up to the first position that holds 0x47 there, 188 and 376 bytes
 * further (the framer waits for input until those bytes are there; at end of input the bytes
 * there are enough, if they hold at least one packet). One report per burst, when sync is found
 * again (or at end of input): {@code mpegts: lost sync at input byte N, skipped K bytes}. In sync,
 * a packet is taken on its own sync byte (nothing waits for the next packet), so a run of bad
 * bytes that happens to start with 0x47 is rendered as one packet before the loss is seen.
 * <p>
 * Units: bytes; input byte offsets count from the first byte read. Defaults:
 * {@link #DEFAULT_BLOCKSIZE}, {@link KeyframePid#AUTO}. Only 188-byte packets (not the 192-byte
 * M2TS or 204-byte packets).
 */
public final class MpegTsFramer implements Framer
{
    /** Bytes per transport stream packet. */
    public static final int PACKET_SIZE = 188;
    /** Default block size: 3948 bytes, the 21 whole packets of the raw format's 4096 bytes. */
    public static final int DEFAULT_BLOCKSIZE = (RawFramer.DEFAULT_BLOCKSIZE / PACKET_SIZE) * PACKET_SIZE;

    /** The least a read asks for: the whole packets of 64 KiB, a pipe's capacity. */
    private static final int READ_BYTES = (64 * 1024 / PACKET_SIZE) * PACKET_SIZE;
    private static final byte SYNC_BYTE = 0x47;
    /** Sync bytes one packet apart needed to regain sync. */
    private static final int RESYNC_PACKETS = 3;
    private static final int SYNC_FOUND = 1;
    private static final int SYNC_NOT_FOUND = 0;
    private static final int SYNC_UNDECIDED = -1;

    private static final int PAT_PID = 0x0000;
    private static final int NULL_PID = 0x1FFF;
    private static final int TABLE_PAT = 0x00;
    private static final int TABLE_PMT = 0x02;
    /** table_id and the two bytes that hold section_length. */
    private static final int SECTION_HEADER = 3;
    private static final int CRC_SIZE = 4;
    /** Shortest PAT: 8 header bytes and the CRC. */
    private static final int PAT_MIN = 8 + CRC_SIZE;
    /** Shortest PMT: 12 header bytes and the CRC. */
    private static final int PMT_MIN = 12 + CRC_SIZE;
    private static final int CRC_POLYNOMIAL = 0x04C11DB7;
    private static final int[] CRC_TABLE = crcTable();

    private final ProducerPort sink;
    private final int blockBytes;
    private final int readBytes;
    private final KeyframePid keyframePid;
    private final Consumer<String> reports;
    private final Section pat = new Section();
    private final Section pmt = new Section();
    private int program = -1;
    private int pmtPid = -1;
    private int videoPid = -1;
    /** Input offset of the oldest uncommitted byte. */
    private long consumed;
    /** Input offset where the current burst of lost sync began; -1 while in sync. */
    private long lostAt = -1;
    private long burstSkipped;
    private boolean sectionErrorReported;
    private long buffers;
    private long bytes;
    private long syncLosses;
    private long bytesSkipped;
    private long sectionsRejected;

    /**
     * @param sink        the sink to render into.
     * @param blocksize   the largest buffer in bytes, &gt;= 1; rounded down to whole packets, at
     *                    least one ({@link #DEFAULT_BLOCKSIZE} is a good choice).
     * @param keyframePid which PIDs' random access points start keyframes
     *                    ({@link KeyframePid#AUTO} by default).
     * @param reports     receives one human-readable line per bad input event (lost sync,
     *                    truncated packet, rejected PAT or PMT); the CLI prints them on stderr.
     *                    Called on the producer thread.
     * @throws IllegalArgumentException for a blocksize under 1.
     */
    public MpegTsFramer(final MultiSocketSink sink, final int blocksize, final KeyframePid keyframePid,
        final Consumer<String> reports)
    {
        this(ProducerPort.of(sink), blocksize, keyframePid, reports);
    }

    /**
     * A framer that renders into any producer port: a {@link GdpPayloader} to serve GDP, a
     * recording fake in tests. The parameters are those of the sink's constructor.
     *
     * @param sink        the port to render into; this framer is its only producer.
     * @param blocksize   the most bytes read at once, &gt;= 1.
     * @param keyframePid which PIDs' random access points start keyframes.
     * @param reports     receives one line per bad input event; producer thread.
     * @throws IllegalArgumentException for a blocksize under 1.
     */
    public MpegTsFramer(final ProducerPort sink, final int blocksize, final KeyframePid keyframePid,
        final Consumer<String> reports)
    {
        if (blocksize < 1)
        {
            throw new IllegalArgumentException("blocksize = " + blocksize + " must be >= 1");
        }
        this.sink = Objects.requireNonNull(sink, "sink");
        this.keyframePid = Objects.requireNonNull(keyframePid, "keyframePid");
        this.reports = Objects.requireNonNull(reports, "reports");
        blockBytes = Math.max(1, blocksize / PACKET_SIZE) * PACKET_SIZE;
        readBytes = Math.max(blockBytes, READ_BYTES);
    }

    @Override
    public boolean pump(final ReadableByteChannel input) throws IOException
    {
        final ByteBuffer memory = sink.claim(readBytes);
        memory.limit(memory.position() + readBytes);
        final int n = input.read(memory);
        if (n < 0)
        {
            return false;
        }
        if (n > 0)
        {
            scan(memory, false);
        }
        return true;
    }

    /**
     * End of input: decides a pending sync search with the bytes there are, renders the complete
     * packets, and discards (counts and reports) a trailing partial packet.
     */
    @Override
    public void finish()
    {
        if (sink.uncommitted() > 0)
        {
            scan(sink.claim(0), true);
        }
        final int partial = sink.uncommitted();
        if (partial > 0)
        {
            final long at = consumed;
            skip(partial);
            reports.accept("mpegts: truncated packet at input byte " + at + " (end of input), skipped " + partial +
                " bytes");
        }
        if (lostAt >= 0)
        {
            reports.accept("mpegts: lost sync at input byte " + lostAt + ", skipped " + burstSkipped +
                " bytes (no sync before end of input)");
            lostAt = -1;
        }
    }

    /**
     * The input was interrupted (a relay reconnects): a partial packet is dropped and counted as
     * skipped, a burst of lost sync in progress is reported; the next input is scanned for sync
     * afresh. The PAT, PMT and streamheader are kept.
     */
    @Override
    public void reset()
    {
        final int partial = sink.uncommitted();
        if (partial > 0)
        {
            skip(partial);
            reports.accept("mpegts: input interrupted, dropped a partial packet of " + partial + " bytes");
        }
        if (lostAt >= 0)
        {
            // the burst ends here: it is reported once, as at end of input (class Javadoc, "Lost sync")
            reports.accept("mpegts: lost sync at input byte " + lostAt + ", skipped " + burstSkipped +
                " bytes (input interrupted before sync)");
        }
        burstSkipped = 0;
        lostAt = -1;
    }

    @Override
    public long buffersRendered()
    {
        return buffers;
    }

    @Override
    public long bytesRendered()
    {
        return bytes;
    }

    /** @return bursts of lost sync so far (each reported once). */
    public long syncLosses()
    {
        return syncLosses;
    }

    /** @return input bytes discarded so far: lost sync and a truncated last packet. */
    public long bytesSkipped()
    {
        return bytesSkipped;
    }

    /** @return PAT and PMT sections ignored for a bad CRC or header. */
    public long sectionsRejected()
    {
        return sectionsRejected;
    }

    /**
     * Renders every complete packet among the uncommitted bytes, and discards what lost sync
     * rejects. Uncommitted bytes are unread input: everything before them was committed or
     * discarded.
     */
    private void scan(final ByteBuffer memory, final boolean endOfInput)
    {
        final int end = memory.position();
        int head = end - sink.uncommitted();
        int group = 0;
        int groupFlags = BufferFlags.NONE;
        while (head + group < end)
        {
            if (lostAt >= 0)
            {
                head = resync(memory, head, end, endOfInput);
                if (lostAt >= 0)
                {
                    break;
                }
                continue;
            }
            final int p = head + group;
            if (memory.get(p) != SYNC_BYTE)
            {
                head = flush(head, group, groupFlags);
                group = 0;
                lostAt = consumed;
                burstSkipped = 0;
                syncLosses++;
                continue;
            }
            if (end - p < PACKET_SIZE)
            {
                break;
            }
            final int pid = ((memory.get(p + 1) & 0x1F) << 8) | (memory.get(p + 2) & 0xFF);
            final boolean intact = (memory.get(p + 1) & 0x80) == 0;
            final boolean keyStart = intact && countsForKeyframes(pid) && randomAccess(memory, p);
            if (group > 0 && (keyStart || group + PACKET_SIZE > blockBytes))
            {
                head = flush(head, group, groupFlags);
                group = 0;
            }
            if (group == 0)
            {
                groupFlags = keyStart || everyBufferIsKeyframe() ? BufferFlags.NONE : BufferFlags.DELTA_UNIT;
            }
            if (intact && (pid == PAT_PID || pid == pmtPid))
            {
                table(memory, p, pid, consumed + (p - head));
            }
            group += PACKET_SIZE;
        }
        flush(head, group, groupFlags);
    }

    private int flush(final int head, final int length, final int flags)
    {
        if (length > 0)
        {
            sink.commit(length, flags, MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
            buffers++;
            bytes += length;
            consumed += length;
        }
        return head + length;
    }

    private void skip(final int length)
    {
        if (length > 0)
        {
            sink.discard(length);
            consumed += length;
            bytesSkipped += length;
            burstSkipped += length;
        }
    }

    /**
     * Lost sync: discards up to the first position where sync is found (and reports the burst),
     * or up to a candidate that needs more input to decide, or everything.
     *
     * @return the new head.
     */
    private int resync(final ByteBuffer memory, final int head, final int end, final boolean endOfInput)
    {
        int c = head;
        for (; c < end; c++)
        {
            if (memory.get(c) != SYNC_BYTE)
            {
                continue;
            }
            final int verdict = syncAt(memory, c, end, endOfInput);
            if (verdict == SYNC_FOUND)
            {
                skip(c - head);
                reports.accept("mpegts: lost sync at input byte " + lostAt + ", skipped " + burstSkipped + " bytes");
                lostAt = -1;
                return c;
            }
            if (verdict == SYNC_UNDECIDED)
            {
                break;
            }
        }
        skip(c - head);
        return c;
    }

    /** @return whether sync bytes one packet apart follow the sync byte at {@code c}. */
    private static int syncAt(final ByteBuffer memory, final int c, final int end, final boolean endOfInput)
    {
        for (int k = 1; k < RESYNC_PACKETS; k++)
        {
            final int next = c + k * PACKET_SIZE;
            if (next >= end)
            {
                if (!endOfInput)
                {
                    return SYNC_UNDECIDED;
                }
                return end - c >= PACKET_SIZE ? SYNC_FOUND : SYNC_NOT_FOUND;
            }
            if (memory.get(next) != SYNC_BYTE)
            {
                return SYNC_NOT_FOUND;
            }
        }
        return SYNC_FOUND;
    }

    private boolean countsForKeyframes(final int pid)
    {
        if (keyframePid.isAny())
        {
            return true;
        }
        return pid == (keyframePid.isAuto() ? videoPid : keyframePid.pid());
    }

    private boolean everyBufferIsKeyframe()
    {
        return keyframePid.isAuto() && videoPid < 0;
    }

    /** @return whether the packet at {@code p} has an adaptation field with random_access_indicator set. */
    private static boolean randomAccess(final ByteBuffer memory, final int p)
    {
        if ((memory.get(p + 3) & 0x20) == 0)
        {
            return false;
        }
        final int length = memory.get(p + 4) & 0xFF;
        return length > 0 && length <= PACKET_SIZE - 5 && (memory.get(p + 5) & 0x40) != 0;
    }

    // ------------------------------------------------------------------------------------------
    // PAT and PMT
    // ------------------------------------------------------------------------------------------

    /** Reads the PAT or PMT section that starts in the packet at {@code p}, if any. */
    private void table(final ByteBuffer memory, final int p, final int pid, final long at)
    {
        final int s = sectionStart(memory, p);
        if (s < 0)
        {
            return;
        }
        final int length = SECTION_HEADER + (((memory.get(s + 1) & 0x0F) << 8) | (memory.get(s + 2) & 0xFF));
        if (s + length > p + PACKET_SIZE)
        {
            return; // spans packets: not read (documented limitation)
        }
        final boolean isPat = pid == PAT_PID;
        final Section known = isPat ? pat : pmt;
        if ((memory.get(s) & 0xFF) != (isPat ? TABLE_PAT : TABLE_PMT) || known.holds(memory, s, length))
        {
            return; // another table, or a repetition
        }
        if ((memory.get(s + 1) & 0x80) == 0 || length < (isPat ? PAT_MIN : PMT_MIN) || crc32(memory, s, length) != 0)
        {
            reject(isPat ? "PAT" : "PMT", at);
            return;
        }
        if ((memory.get(s + 5) & 0x01) == 0 || memory.get(s + 6) != 0)
        {
            return; // not yet applicable, or not section 0
        }
        if (isPat)
        {
            acceptPat(memory, p, s, length);
        }
        else
        {
            acceptPmt(memory, p, s, length);
        }
    }

    /** @return where the section that starts in the packet at {@code p} begins, -1 if none does. */
    private static int sectionStart(final ByteBuffer memory, final int p)
    {
        final int flags = memory.get(p + 3);
        if ((memory.get(p + 1) & 0x40) == 0 || (flags & 0xC0) != 0 || (flags & 0x10) == 0)
        {
            return -1; // no payload_unit_start_indicator, scrambled, or no payload
        }
        int payload = p + 4;
        if ((flags & 0x20) != 0)
        {
            payload += 1 + (memory.get(p + 4) & 0xFF);
        }
        if (payload >= p + PACKET_SIZE)
        {
            return -1;
        }
        final int s = payload + 1 + (memory.get(payload) & 0xFF);
        return s + SECTION_HEADER <= p + PACKET_SIZE ? s : -1;
    }

    private void acceptPat(final ByteBuffer memory, final int p, final int s, final int length)
    {
        int number = -1;
        int mapPid = -1;
        for (int i = s + 8; i + 4 <= s + length - CRC_SIZE; i += 4)
        {
            final int n = u16(memory, i);
            final int pid = u16(memory, i + 2) & 0x1FFF;
            if (n != 0 && pid != PAT_PID && pid != NULL_PID)
            {
                number = n;
                mapPid = pid;
                break;
            }
        }
        pat.store(memory, p, s, length);
        if (number != program || mapPid != pmtPid)
        {
            program = number;
            pmtPid = mapPid;
            pmt.clear();
        }
        accepted();
    }

    private void acceptPmt(final ByteBuffer memory, final int p, final int s, final int length)
    {
        if (u16(memory, s + 3) != program)
        {
            return; // another program's PMT on the same PID
        }
        final int stop = s + length - CRC_SIZE;
        int video = -1;
        for (int i = s + 12 + (u16(memory, s + 10) & 0x0FFF); i + 5 <= stop; i += 5 + (u16(memory, i + 3) & 0x0FFF))
        {
            if (isVideo(memory.get(i) & 0xFF))
            {
                video = u16(memory, i + 1) & 0x1FFF;
                break;
            }
        }
        pmt.store(memory, p, s, length);
        videoPid = video;
        accepted();
    }

    private void accepted()
    {
        sectionErrorReported = false;
        if (pat.present() && pmt.present())
        {
            sink.setStreamheader(pat.packet(), pmt.packet());
        }
    }

    private void reject(final String table, final long at)
    {
        sectionsRejected++;
        if (!sectionErrorReported)
        {
            sectionErrorReported = true;
            reports.accept("mpegts: ignored a " + table + " with a bad CRC or header at input byte " + at);
        }
    }

    /**
     * Video stream types (ISO/IEC 13818-1 table 2-34 and registered private ones): MPEG-1 and
     * MPEG-2 video, MPEG-4 part 2, H.264, JPEG 2000, HEVC, VVC, AVS, Dirac, VC-1. 0x80 is not
     * video (LPCM audio on Blu-ray, user private elsewhere).
     */
    private static boolean isVideo(final int streamType)
    {
        switch (streamType)
        {
            case 0x01: case 0x02: case 0x10: case 0x1B: case 0x21: case 0x24: case 0x33: case 0x42: case 0xD1:
            case 0xEA:
                return true;
            default:
                return false;
        }
    }

    private static int u16(final ByteBuffer memory, final int index)
    {
        return ((memory.get(index) & 0xFF) << 8) | (memory.get(index + 1) & 0xFF);
    }

    /**
     * CRC-32/MPEG-2 (polynomial 0x04C11DB7, initial value all ones, no reflection, no final xor),
     * the CRC of PSI sections: over a whole section, its CRC_32 field included, it is 0.
     *
     * @param memory the bytes.
     * @param from   the first byte.
     * @param length how many bytes.
     * @return the CRC.
     */
    static int crc32(final ByteBuffer memory, final int from, final int length)
    {
        int crc = 0xFFFFFFFF;
        for (int i = from; i < from + length; i++)
        {
            crc = (crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ memory.get(i)) & 0xFF];
        }
        return crc;
    }

    private static int[] crcTable()
    {
        final int[] table = new int[256];
        for (int n = 0; n < 256; n++)
        {
            int c = n << 24;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ CRC_POLYNOMIAL : c << 1;
            }
            table[n] = c;
        }
        return table;
    }

    /** The latest accepted PAT or PMT: its whole packet (the streamheader) and where its section lies. */
    private static final class Section
    {
        private final byte[] packet = new byte[PACKET_SIZE];
        private int offset;
        private int length;

        boolean present()
        {
            return length > 0;
        }

        /** @return true when the section at {@code s} has the same bytes as this one. */
        boolean holds(final ByteBuffer memory, final int s, final int sectionLength)
        {
            if (sectionLength != length)
            {
                return false;
            }
            for (int i = 0; i < sectionLength; i++)
            {
                if (memory.get(s + i) != packet[offset + i])
                {
                    return false;
                }
            }
            return true;
        }

        void store(final ByteBuffer memory, final int p, final int s, final int sectionLength)
        {
            memory.get(p, packet);
            offset = s - p;
            length = sectionLength;
        }

        void clear()
        {
            length = 0;
        }

        ByteBuffer packet()
        {
            return ByteBuffer.wrap(packet);
        }
    }

    /**
     * Which PIDs' random access points start keyframes, as {@code --keyframe-pid}:
     * {@link #AUTO} (the first video stream of the PMT), {@link #ANY} (every PID), or one PID.
     * Immutable.
     */
    public static final class KeyframePid
    {
        /** The first video stream of the PMT (the default); every buffer is a keyframe until one is known. */
        public static final KeyframePid AUTO = new KeyframePid(-1);
        /** Every PID. */
        public static final KeyframePid ANY = new KeyframePid(-2);
        /** The largest PID: 8191 (0x1FFF) is the null packet PID. */
        public static final int MAX_PID = 8190;

        private final int pid;

        private KeyframePid(final int pid)
        {
            this.pid = pid;
        }

        /**
         * @param pid a PID, 0 .. {@link #MAX_PID}.
         * @return the value for that one PID.
         * @throws IllegalArgumentException for a PID out of range.
         */
        public static KeyframePid of(final int pid)
        {
            if (pid < 0 || pid > MAX_PID)
            {
                throw new IllegalArgumentException("keyframe PID " + pid + " is out of range 0.." + MAX_PID);
            }
            return new KeyframePid(pid);
        }

        /**
         * @param text {@code auto}, {@code any} (either in any case), or a PID 0 .. 8190 in
         *             decimal or in hex with {@code 0x}.
         * @return the value.
         * @throws IllegalArgumentException for anything else, with a message that says what is accepted.
         */
        public static KeyframePid parse(final String text)
        {
            if (text != null)
            {
                final String t = text.toLowerCase(Locale.ROOT);
                if (t.equals("auto"))
                {
                    return AUTO;
                }
                if (t.equals("any"))
                {
                    return ANY;
                }
                final boolean hex = t.startsWith("0x");
                final String digits = hex ? t.substring(2) : t;
                final int radix = hex ? 16 : 10;
                if (!digits.isEmpty() && digits.length() <= 7 &&
                    digits.chars().allMatch(ch -> ch < 0x80 && Character.digit(ch, radix) >= 0))
                {
                    final int value = Integer.parseInt(digits, radix);
                    if (value <= MAX_PID)
                    {
                        return new KeyframePid(value);
                    }
                }
            }
            throw new IllegalArgumentException("keyframe PID \"" + text + "\" must be auto, any or a PID 0.." + MAX_PID +
                " (decimal, or hex with 0x)");
        }

        /** @return true for {@link #AUTO}. */
        public boolean isAuto()
        {
            return this == AUTO;
        }

        /** @return true for {@link #ANY}. */
        public boolean isAny()
        {
            return this == ANY;
        }

        /** @return the PID, or -1 for {@link #AUTO} and {@link #ANY}. */
        public int pid()
        {
            return pid < 0 ? -1 : pid;
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof KeyframePid && ((KeyframePid)other).pid == pid;
        }

        @Override
        public int hashCode()
        {
            return pid;
        }

        /** @return {@code auto}, {@code any} or the PID in decimal: what {@link #parse} accepts. */
        @Override
        public String toString()
        {
            return isAuto() ? "auto" : isAny() ? "any" : Integer.toString(pid);
        }
    }
}
