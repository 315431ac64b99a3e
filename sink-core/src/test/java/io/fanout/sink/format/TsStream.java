package io.fanout.sink.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds a transport stream for the framer tests, packet by packet, with a label for each packet
 * (so that rendered buffers can be written as their packets' labels) and garbage between them.
 * Continuity counters count per PID, so a repeated PAT or PMT differs from the first only there.
 * Elementary stream payloads hold one stray 0x47 byte, at an offset that differs from one packet
 * to the next (so that stray bytes never line up a packet apart as sync bytes do).
 */
final class TsStream
{
    static final int PACKET = MpegTsFramer.PACKET_SIZE;
    static final int PMT_PID = 0x0020;
    static final int VIDEO_PID = 0x0100;
    static final int AUDIO_PID = 0x0101;
    static final int NULL_PID = 0x1FFF;
    static final int PROGRAM = 1;
    static final int H264 = 0x1B;
    static final int AAC = 0x0F;

    private record Piece(String label, byte[] bytes, boolean published)
    {
    }

    private final List<Piece> pieces = new ArrayList<>();
    private final Map<ByteBuffer, String> labels = new HashMap<>();
    private final int[] continuity = new int[8192];
    private int sequence;

    /** PAT "pat": transport_stream_id 1, program 1 on {@link #PMT_PID}. */
    TsStream pat()
    {
        return pat("pat", 1, PMT_PID);
    }

    /** A PAT with one program ({@link #PROGRAM}) whose PMT is on {@code pmtPid}, after a network PID entry. */
    TsStream pat(final String label, final int transportStreamId, final int pmtPid)
    {
        final byte[] body = {0, 0, (byte)0xE0, 0x10, 0, PROGRAM, (byte)(0xE0 | pmtPid >> 8), (byte)pmtPid};
        return psi(label, 0, section(0x00, transportStreamId, 0, body), 0, 0);
    }

    /** PMT "pmt" of version 0: H.264 video on {@link #VIDEO_PID}, AAC audio on {@link #AUDIO_PID}. */
    TsStream pmt()
    {
        return pmt("pmt", PMT_PID, 0, H264, VIDEO_PID, AAC, AUDIO_PID);
    }

    /**
     * @param typeAndPid stream_type, elementary_PID pairs, in order; each stream gets a 3-byte descriptor.
     */
    TsStream pmt(final String label, final int pid, final int version, final int... typeAndPid)
    {
        return psi(label, pid, pmtSection(version, typeAndPid), 0, 0);
    }

    static byte[] pmtSection(final int version, final int... typeAndPid)
    {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final int pcrPid = typeAndPid.length > 1 ? typeAndPid[1] : NULL_PID;
        body.writeBytes(new byte[] {(byte)(0xE0 | pcrPid >> 8), (byte)pcrPid, (byte)0xF0, 0});
        for (int i = 0; i < typeAndPid.length; i += 2)
        {
            final int pid = typeAndPid[i + 1];
            body.writeBytes(new byte[] {(byte)typeAndPid[i], (byte)(0xE0 | pid >> 8), (byte)pid, (byte)0xF0, 3, 0x52, 1, (byte)i});
        }
        return section(0x02, PROGRAM, version, body.toByteArray());
    }

    /** A long-form section with current_next_indicator set, section 0 of 0, and its CRC. */
    static byte[] section(final int tableId, final int extension, final int version, final byte[] body)
    {
        final int sectionLength = 5 + body.length + 4;
        final byte[] s = new byte[3 + sectionLength];
        s[0] = (byte)tableId;
        s[1] = (byte)(0xB0 | sectionLength >> 8);
        s[2] = (byte)sectionLength;
        s[3] = (byte)(extension >> 8);
        s[4] = (byte)extension;
        s[5] = (byte)(0xC1 | version << 1);
        System.arraycopy(body, 0, s, 8, body.length);
        final int crc = MpegTsFramer.crc32(ByteBuffer.wrap(s), 0, s.length - 4);
        ByteBuffer.wrap(s).putInt(s.length - 4, crc);
        return s;
    }

    /**
     * A packet carrying {@code section} (payload_unit_start_indicator set), after an adaptation
     * field of {@code adaptationLength} bytes (0: none) and {@code pointer} filler bytes.
     */
    TsStream psi(final String label, final int pid, final byte[] section, final int adaptationLength, final int pointer)
    {
        final byte[] p = header(pid, 0x40, adaptationLength);
        int i = 4 + (adaptationLength > 0 ? 1 + adaptationLength : 0);
        p[i++] = (byte)pointer;
        i += pointer;
        System.arraycopy(section, 0, p, i, Math.min(section.length, PACKET - i));
        Arrays.fill(p, Math.min(PACKET, i + section.length), PACKET, (byte)0xFF);
        return packet(label, p);
    }

    /** Video on {@link #VIDEO_PID}: "V*" with random_access_indicator, "v" without. */
    TsStream video(final boolean randomAccess)
    {
        return es(randomAccess ? "V*" : "v", VIDEO_PID, randomAccess);
    }

    /** Audio on {@link #AUDIO_PID}: "A*" with random_access_indicator, "a" without. */
    TsStream audio(final boolean randomAccess)
    {
        return es(randomAccess ? "A*" : "a", AUDIO_PID, randomAccess);
    }

    TsStream videos(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            video(false);
        }
        return this;
    }

    /** An elementary stream packet; with random access it has an adaptation field with the RAI and PCR flags. */
    TsStream es(final String label, final int pid, final boolean randomAccess)
    {
        return es(label, pid, randomAccess ? 0x50 : -1, 0);
    }

    /**
     * @param adaptationFlags the adaptation field's flag byte (7-byte field with a PCR), -1 for no adaptation field.
     * @param headerBits      bits or'ed into byte 1 (0x80: transport_error_indicator).
     */
    TsStream es(final String label, final int pid, final int adaptationFlags, final int headerBits)
    {
        final byte[] p = header(pid, headerBits | (adaptationFlags >= 0 && (adaptationFlags & 0x40) != 0 ? 0x40 : 0),
            adaptationFlags >= 0 ? 7 : 0);
        int i = 4;
        if (adaptationFlags >= 0)
        {
            p[5] = (byte)adaptationFlags;
            p[6] = (byte)sequence;
            i = 12;
        }
        for (int k = 0; i < PACKET; i++, k++)
        {
            final int v = (sequence * 13 + k) % 251;
            p[i] = (byte)(v == 0x47 ? 0x48 : v);
        }
        p[20 + sequence * 37 % 150] = 0x47; // a stray sync byte inside the payload
        sequence++;
        return packet(label, p);
    }

    /** A null packet "null". */
    TsStream nul()
    {
        final byte[] p = header(NULL_PID, 0, 0);
        Arrays.fill(p, 4, PACKET, (byte)0xFF);
        return packet("null", p);
    }

    /** Appends a crafted 188-byte packet. */
    TsStream packet(final String label, final byte[] packet)
    {
        if (packet.length != PACKET || packet[0] != 0x47)
        {
            throw new IllegalArgumentException("not a packet: " + label);
        }
        pieces.add(new Piece(label, packet, true));
        labels.putIfAbsent(ByteBuffer.wrap(packet), label);
        return this;
    }

    /** Changes the last packet's bytes and calls it {@code label}. */
    TsStream editLast(final String label, final Consumer<byte[]> edit)
    {
        final Piece last = pieces.remove(pieces.size() - 1);
        final byte[] copy = last.bytes().clone();
        edit.accept(copy);
        return packet(label, copy);
    }

    /** Appends bytes that are not packets: the framer must skip them. */
    TsStream garbage(final byte[] bytes)
    {
        pieces.add(new Piece("garbage", bytes, false));
        return this;
    }

    /** Appends the first {@code length} bytes of a packet (not rendered: a packet cut short). */
    TsStream partial(final int length)
    {
        pieces.add(new Piece("partial", Arrays.copyOf(new TsStream().video(false).first("v"), length), false));
        return this;
    }

    /** @return {offset, length} in the input of each garbage piece (partial packets not included). */
    List<int[]> garbageRanges()
    {
        final List<int[]> r = new ArrayList<>();
        int offset = 0;
        for (final Piece piece : pieces)
        {
            if (piece.label().equals("garbage"))
            {
                r.add(new int[] {offset, piece.bytes().length});
            }
            offset += piece.bytes().length;
        }
        return r;
    }

    /**
     * Garbage of {@code length} bytes without 0x47, except at {@code syncAt}.
     */
    static byte[] garbageBytes(final int length, final int... syncAt)
    {
        final byte[] g = new byte[length];
        for (int i = 0; i < length; i++)
        {
            final int v = (i * 7 + 3) & 0xFF;
            g[i] = (byte)(v == 0x47 ? 0x46 : v);
        }
        for (final int i : syncAt)
        {
            g[i] = 0x47;
        }
        return g;
    }

    private byte[] header(final int pid, final int byte1Bits, final int adaptationLength)
    {
        final byte[] p = new byte[PACKET];
        p[0] = 0x47;
        p[1] = (byte)(byte1Bits | pid >> 8);
        p[2] = (byte)pid;
        final int cc = continuity[pid]++ & 0x0F;
        p[3] = (byte)((adaptationLength > 0 ? 0x30 : 0x10) | cc);
        if (adaptationLength > 0)
        {
            p[4] = (byte)adaptationLength;
            Arrays.fill(p, 5, 5 + adaptationLength, (byte)0xFF);
            p[5] = 0;
        }
        return p;
    }

    /** @return every byte, garbage included: the framer's input. */
    byte[] input()
    {
        return join(false);
    }

    /** @return the packets without the garbage: what the framer must render. */
    byte[] published()
    {
        return join(true);
    }

    private byte[] join(final boolean publishedOnly)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final Piece piece : pieces)
        {
            if (piece.published() || !publishedOnly)
            {
                out.writeBytes(piece.bytes());
            }
        }
        return out.toByteArray();
    }

    /** @return the first packet called {@code label}. */
    byte[] first(final String label)
    {
        return pieces.stream().filter(p -> p.label().equals(label)).findFirst().orElseThrow().bytes();
    }

    /** @return input offsets of the pieces called {@code label}. */
    List<Integer> inputOffsets(final String label)
    {
        return offsets(label, false);
    }

    /** @return offsets in {@link #published()} of the packets called {@code label}. */
    List<Integer> publishedOffsets(final String label)
    {
        return offsets(label, true);
    }

    private List<Integer> offsets(final String label, final boolean publishedOnly)
    {
        final List<Integer> r = new ArrayList<>();
        int offset = 0;
        for (final Piece piece : pieces)
        {
            if (piece.label().equals(label))
            {
                r.add(offset);
            }
            if (piece.published() || !publishedOnly)
            {
                offset += piece.bytes().length;
            }
        }
        return r;
    }

    /** @return the label of a packet this stream holds, "?" for other bytes. */
    String label(final byte[] packet)
    {
        return labels.getOrDefault(ByteBuffer.wrap(packet), "?");
    }

    /** @return the labels of the 188-byte packets in {@code bytes}, space-separated. */
    String labels(final byte[] bytes)
    {
        if (bytes.length % PACKET != 0)
        {
            throw new AssertionError("not whole packets: " + bytes.length + " bytes");
        }
        final StringBuilder b = new StringBuilder();
        for (int i = 0; i < bytes.length; i += PACKET)
        {
            b.append(i == 0 ? "" : " ").append(label(Arrays.copyOfRange(bytes, i, i + PACKET)));
        }
        return b.toString();
    }
}
