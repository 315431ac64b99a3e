package io.fanout.sink.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The test's own GDP 1.0 writer, written from docs/gdp.md alone (§2 header layout, §4 CRC, §6 payloads,
 * §2's table of what each record type puts in the numeric fields): it shares no code with
 * {@link GdpFramer}. Checked against the worked example of docs/gdp.md §10 by the tests.
 */
final class GdpWriter
{
    /** All ones: GST_CLOCK_TIME_NONE, and NONE for offsets. */
    static final long NONE = -1L;
    static final int GST_LIVE = 0x0010;
    static final int GST_DISCONT = 0x0040;
    static final int GST_HEADER = 0x0400;
    static final int GST_GAP = 0x0800;
    static final int GST_DELTA_UNIT = 0x2000;
    /** Event payload types: 64 + GstEventType (docs/gdp.md §5). */
    static final int EVENT_STREAM_START = 0x284E;
    static final int EVENT_SEGMENT = 0x464E;
    static final int EVENT_TAG = 0x505E;
    /** custom-downstream, 64 + 71686 truncated to 16 bits. */
    static final int EVENT_CUSTOM_DOWNSTREAM = 0x1846;

    /**
     * Every field of a header. {@code length} is written as given (a test may lie with it).
     */
    record Header(int major, int minor, int headerFlags, int type, long length, long pts, long duration,
                  long offset, long offsetEnd, int bufferFlags, long dts)
    {
        Header withLength(final long newLength)
        {
            return new Header(major, minor, headerFlags, type, newLength, pts, duration, offset, offsetEnd, bufferFlags, dts);
        }

        Header withVersion(final int newMajor, final int newMinor)
        {
            return new Header(newMajor, newMinor, headerFlags, type, length, pts, duration, offset, offsetEnd, bufferFlags, dts);
        }

        Header withType(final int newType)
        {
            return new Header(major, minor, headerFlags, newType, length, pts, duration, offset, offsetEnd, bufferFlags, dts);
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Integer> starts = new ArrayList<>();
    private int headerFlags = 0x01; // gdppay defaults: crc-header=true, crc-payload=false

    /** gdppay's crc-header and crc-payload properties. */
    GdpWriter crc(final boolean header, final boolean payload)
    {
        headerFlags = (header ? 0x01 : 0) | (payload ? 0x02 : 0);
        return this;
    }

    /** A buffer record with DTS, offset and offset_end NONE, as a typical buffer has. */
    GdpWriter buffer(final byte[] payload, final long pts, final long duration, final int gstFlags)
    {
        return record(bufferHeader(payload.length, pts, duration, gstFlags), payload);
    }

    Header bufferHeader(final long length, final long pts, final long duration, final int gstFlags)
    {
        return new Header(1, 0, headerFlags, 1, length, pts, duration, NONE, NONE, gstFlags & 0xFFFF, NONE);
    }

    /** A caps record: the string plus its NUL, every numeric field 0. */
    GdpWriter caps(final String caps)
    {
        final byte[] payload = nulTerminated(caps);
        return record(new Header(1, 0, headerFlags, 2, payload.length, 0, 0, 0, 0, 0, 0), payload);
    }

    /** An event record: timestamp NONE, the rest 0; a null structure gives an empty payload. */
    GdpWriter event(final int type, final String structure)
    {
        final byte[] payload = structure == null ? new byte[0] : nulTerminated(structure);
        return record(new Header(1, 0, headerFlags, type, payload.length, NONE, 0, 0, 0, 0, 0), payload);
    }

    /** Any header (its length field as given) and payload. */
    GdpWriter record(final Header header, final byte[] payload)
    {
        starts.add(out.size());
        out.writeBytes(encode(header, payload));
        return this;
    }

    /** Bytes that are not a record. */
    GdpWriter raw(final byte[] bytes)
    {
        out.writeBytes(bytes);
        return this;
    }

    byte[] bytes()
    {
        return out.toByteArray();
    }

    /** @return the byte offset of record {@code index} (0-based, in writing order). */
    int start(final int index)
    {
        return starts.get(index);
    }

    static byte[] encode(final Header h, final byte[] payload)
    {
        final ByteBuffer b = ByteBuffer.allocate(62 + payload.length); // big-endian
        b.put((byte)h.major()).put((byte)h.minor()).put((byte)h.headerFlags()).put((byte)0);
        b.putShort((short)h.type()).putInt((int)h.length());
        b.putLong(h.pts()).putLong(h.duration()).putLong(h.offset()).putLong(h.offsetEnd());
        b.putShort((short)h.bufferFlags()).putLong(h.dts());
        b.put(new byte[6]);
        final byte[] bytes = b.array();
        final int headerCrc = (h.headerFlags() & 0x01) != 0 ? crc(bytes, 0, 58) : 0;
        final int payloadCrc = (h.headerFlags() & 0x02) != 0 ? crc(payload, 0, payload.length) : 0;
        b.putShort((short)headerCrc).putShort((short)payloadCrc);
        b.put(payload);
        return bytes;
    }

    /**
     * docs/gdp.md §4 in words: CRC-16, polynomial 0x1021, register starts at 0xFFFF, MSB first, not
     * reflected, final XOR 0xFFFF; no bytes give 0. Bit by bit, no table.
     */
    static int crc(final byte[] data, final int from, final int length)
    {
        if (length == 0)
        {
            return 0;
        }
        int register = 0xFFFF;
        for (int i = from; i < from + length; i++)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                final boolean in = ((data[i] >> bit) & 1) != 0;
                final boolean top = (register & 0x8000) != 0;
                register = (register << 1) & 0xFFFF;
                if (in != top)
                {
                    register ^= 0x1021;
                }
            }
        }
        return register ^ 0xFFFF;
    }

    static byte[] nulTerminated(final String text)
    {
        final byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        final byte[] bytes = new byte[utf8.length + 1];
        System.arraycopy(utf8, 0, bytes, 0, utf8.length);
        return bytes;
    }

    static byte[] hex(final String hex)
    {
        return HexFormat.of().parseHex(hex);
    }

    static String toHex(final byte[] bytes)
    {
        return HexFormat.of().formatHex(bytes);
    }
}
