package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The {@code gdp} format: GStreamer's GDP 1.0 as {@code gdppay} writes it (docs/gdp.md), so that a
 * pipeline ending in {@code gdppay ! fdsink fd=1} feeds the sink with its own keyframe flags,
 * timestamps and streamheader. Each record is a 62-byte header and its payload; the framer reads
 * as {@code gdpdepay} does (docs/gdp.md §8), except that bad input is reported, counted and skipped
 * rather than fatal, unless {@code strict}. Reads go straight into the sink's claimed direct
 * memory, and buffer payloads are committed from there: no copy.
 * <ul>
 * <li><b>Buffer</b> record (type 1): one buffer with the header's pts and duration in ns (all ones
 * is {@link MultiSocketSink#CLOCK_TIME_NONE}, and so is any value of 2^63 ns or more, which the
 * sink's signed time cannot hold). GStreamer's DELTA_UNIT ({@code 0x2000}) and HEADER
 * ({@code 0x0400}) become {@link BufferFlags#DELTA_UNIT} and {@link BufferFlags#HEADER}; the
 * other flags (LIVE, DISCONT, GAP), DTS and the offsets are not kept. An empty buffer is rendered,
 * as gdpdepay pushes it. A HEADER buffer whose bytes equal one of the current streamheader buffers
 * is dropped, as {@link MultiSocketSink#render} does (docs/semantics.md §4.1): the framer makes that check
 * itself so that it can still commit without a copy. Every other HEADER buffer is data (h264parse
 * marks whole keyframe access units HEADER, docs/gdp.md §9).</li>
 * <li><b>Caps</b> record (type 2): the text up to its NUL. The first structure's
 * {@code streamheader=(buffer)< HEX, … >} becomes the sink's streamheader. A caps record replaces
 * the caps, as on multihandlesink's pad (docs/semantics.md §7, docs/gdp.md §9): caps without a streamheader
 * clear it (clients that join later get none; connected clients are unaffected), and so do caps
 * whose streamheader cannot be parsed (reported, but not a bad record). An unchanged streamheader
 * is not set again. A buffer before any caps is accepted (gdpdepay refuses it; the sink needs no
 * caps).</li>
 * <li><b>Event</b> record (type 64 and up): counted and skipped. Its payload is never held.</li>
 * </ul>
 * <b>Bad records</b> ({@link Problem}): a header CRC mismatch (checked when header flag bit 0 is
 * set), a payload CRC mismatch (bit 1; buffer and caps records with a payload), a version other
 * than 1.0, a payload type of 0 or 3 to 63, or a payload length over {@code maxPayloadBytes}
 * (default {@link #DEFAULT_MAX_PAYLOAD_BYTES}, 64 MiB, the sink's default queue capacity in
 * bytes). Each is reported on {@code reports} (one line, naming the problem and the record's byte
 * offset in the input) and counted. The record is skipped by its length field when the header CRC
 * verified that field or the length is at most {@code maxPayloadBytes}; otherwise (a corrupt
 * header claiming an absurd length) the framer resynchronises: it drops bytes up to the next place
 * that holds a header with a valid CRC, version 1.0, a valid type and a sane length. GDP has no
 * other sync marker, so a stream without header CRCs cannot be resynchronised (the rest of it is
 * dropped). Skipped bytes count in {@link #bytesSkipped()}. End of input inside a record is a
 * {@link Problem#TRUNCATED} record, found by {@link #pump} when it reads end of input or, when
 * the caller stops reading first, by {@link #finish()}.
 * <p>
 * <b>Strict</b>: the first bad record, or a truncated one at end of input, makes {@link #pump}
 * throw a {@link GdpFormatException} (problem and byte offset) instead; the framer then stops, and
 * a later pump throws IllegalStateException. {@link #finish()} never throws: it reports.
 * <p>
 * <b>Memory</b>: a buffer or caps record is held until complete, in one claimed region (the claim
 * asks for the whole record, so a record larger than the sink's slabs gets a slab of its own);
 * each read asks for at least 16 KiB of room. The framer must be the sink's only producer, and
 * the sink must hold no uncommitted bytes when it starts. Producer thread only.
 */
public final class GdpFramer implements Framer
{
    /** Size of a GDP record header in bytes. */
    public static final int HEADER_BYTES = 62;
    /** Default largest payload in bytes: 64 MiB, as the sink's default queueCapacityBytes. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 << 20;
    /** The largest maxPayloadBytes accepted: 1 GiB. */
    public static final int MAX_PAYLOAD_LIMIT = 1 << 30;

    /** Room asked for by every read, beyond what the current record needs. */
    static final int DEFAULT_READ_AHEAD = 16 << 10;

    /** What makes a record bad. */
    public enum Problem
    {
        /** The header CRC (flag bit 0) does not match bytes 0 to 57. */
        HEADER_CRC("header CRC mismatch"),
        /** The payload CRC (flag bit 1) does not match the payload. */
        PAYLOAD_CRC("payload CRC mismatch"),
        /** The version is not 1.0. */
        VERSION("unknown version"),
        /** The payload type is 0 or 3 to 63. */
        PAYLOAD_TYPE("bad payload type"),
        /** The payload length is over maxPayloadBytes. */
        LENGTH("absurd payload length"),
        /** The input ended inside the record. */
        TRUNCATED("truncated record");

        private final String description;

        Problem(final String description)
        {
            this.description = description;
        }

        /** @return the problem in words, as in reports and exception messages. */
        public String description()
        {
            return description;
        }
    }

    // header layout (docs/gdp.md §2), big-endian
    private static final int AT_TYPE = 4;
    private static final int AT_LENGTH = 6;
    private static final int AT_PTS = 10;
    private static final int AT_DURATION = 18;
    private static final int AT_BUFFER_FLAGS = 42;
    private static final int AT_HEADER_CRC = 58;
    private static final int AT_PAYLOAD_CRC = 60;
    private static final int FLAG_HEADER_CRC = 0x01;
    private static final int FLAG_PAYLOAD_CRC = 0x02;
    private static final int TYPE_BUFFER = 1;
    private static final int TYPE_CAPS = 2;
    private static final int TYPE_EVENT_MIN = 64;
    // GstBufferFlags (docs/gdp.md §3)
    private static final int GST_HEADER = 0x0400;
    private static final int GST_DELTA_UNIT = 0x2000;

    private static final int[] CRC_TABLE = crcTable();

    private enum State
    {
        /** Waiting for a whole header. */
        HEADER,
        /** Waiting for the whole payload of a buffer or caps record; its header is still held. */
        PAYLOAD,
        /** Dropping {@code skipRemaining} more bytes as they arrive (an event or a bad record). */
        SKIP,
        /** Looking for the next valid header after a corrupt one. */
        SCAN
    }

    private final ProducerPort port;
    private final boolean strict;
    private final int maxPayloadBytes;
    private final int readAhead;
    private final Consumer<String> reports;

    private ByteBuffer memory;
    private State state = State.HEADER;
    private int payloadLength;
    private long recordOffset;
    private long skipRemaining;
    private boolean skippingBad;
    private long scanFrom;
    private final StreamheaderRules rules = new StreamheaderRules();
    private String lastCaps;
    private boolean ended;
    private GdpFormatException failure;

    private long bytesRead;
    private long records;
    private long buffers;
    private long bytes;
    private long headerBuffersDropped;
    private long capsRecords;
    private long streamheaderChanges;
    private long eventsIgnored;
    private long bytesSkipped;
    private final Map<Problem, Long> bad = new EnumMap<>(Problem.class);

    /**
     * A framer with the default maximum payload, {@link #DEFAULT_MAX_PAYLOAD_BYTES}.
     *
     * @param sink    the sink to render into; this framer is its only producer.
     * @param strict  true to throw {@link GdpFormatException} at the first bad record, false to
     *                report, count and skip it.
     * @param reports receives one line per bad record or other input problem (producer thread).
     */
    public GdpFramer(final MultiSocketSink sink, final boolean strict, final Consumer<String> reports)
    {
        this(sink, strict, DEFAULT_MAX_PAYLOAD_BYTES, reports);
    }

    /**
     * @param sink            the sink to render into; this framer is its only producer.
     * @param strict          true to throw {@link GdpFormatException} at the first bad record.
     * @param maxPayloadBytes the largest payload accepted, 0 .. {@link #MAX_PAYLOAD_LIMIT}.
     * @param reports         receives one line per bad record or other input problem.
     * @throws IllegalArgumentException for a maxPayloadBytes out of range.
     */
    public GdpFramer(
        final MultiSocketSink sink, final boolean strict, final int maxPayloadBytes, final Consumer<String> reports)
    {
        this(ProducerPort.of(Objects.requireNonNull(sink, "sink")), strict, maxPayloadBytes, DEFAULT_READ_AHEAD, reports);
    }

    /**
     * A framer with the default maximum payload that renders into any producer port (a relay
     * that serves GDP again: {@link GdpPayloader}).
     *
     * @param port    the port to render into; this framer is its only producer.
     * @param strict  true to throw {@link GdpFormatException} at the first bad record.
     * @param reports receives one line per bad record or other input problem.
     */
    public GdpFramer(final ProducerPort port, final boolean strict, final Consumer<String> reports)
    {
        this(port, strict, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_READ_AHEAD, reports);
    }

    /** The seam for tests: any producer port, any read-ahead (&gt;= 1). */
    GdpFramer(
        final ProducerPort port, final boolean strict, final int maxPayloadBytes, final int readAhead,
        final Consumer<String> reports)
    {
        if (maxPayloadBytes < 0 || maxPayloadBytes > MAX_PAYLOAD_LIMIT)
        {
            throw new IllegalArgumentException(
                "maxPayloadBytes = " + maxPayloadBytes + " is out of range 0.." + MAX_PAYLOAD_LIMIT);
        }
        if (readAhead < 1)
        {
            throw new IllegalArgumentException("readAhead = " + readAhead + " must be >= 1");
        }
        this.port = port;
        this.strict = strict;
        this.maxPayloadBytes = maxPayloadBytes;
        this.readAhead = readAhead;
        this.reports = Objects.requireNonNull(reports, "reports");
    }

    /**
     * Reads once and renders every record the bytes complete.
     *
     * @throws GdpFormatException    in strict mode, at the first bad or truncated record.
     * @throws IllegalStateException after a GdpFormatException.
     */
    @Override
    public boolean pump(final ReadableByteChannel input) throws IOException
    {
        if (failure != null)
        {
            throw new IllegalStateException("the GDP framer stopped at: " + failure.getMessage(), failure);
        }
        memory = port.claim(Math.max(bytesWanted(port.uncommitted()), readAhead));
        final int n = input.read(memory);
        if (n < 0)
        {
            final GdpFormatException truncated = endOfInput(strict);
            if (truncated != null)
            {
                throw stop(truncated);
            }
            return false;
        }
        bytesRead += n;
        try
        {
            process();
        }
        catch (final GdpFormatException ex)
        {
            throw stop(ex);
        }
        return true;
    }

    /** End of input: a record still incomplete is reported (never thrown) and counted as truncated. */
    @Override
    public void finish()
    {
        if (failure == null)
        {
            endOfInput(false);
        }
    }

    /** The input was interrupted (a relay reconnects): a partial record is dropped and counted as skipped. */
    @Override
    public void reset()
    {
        final int partial = port.uncommitted();
        if (partial > 0)
        {
            bytesSkipped += partial;
            port.discard(partial);
        }
        state = State.HEADER;
        payloadLength = 0;
        skipRemaining = 0;
        skippingBad = false;
        rules.reset();
        recordOffset = bytesRead;
        scanFrom = bytesRead;
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

    /** @return bytes read from the input. */
    public long bytesRead()
    {
        return bytesRead;
    }

    /** @return record headers read, bad records included. */
    public long records()
    {
        return records;
    }

    /** @return HEADER buffers dropped because they equal a streamheader buffer. */
    public long headerBuffersDropped()
    {
        return headerBuffersDropped;
    }

    /** @return caps records read (good ones). */
    public long capsRecords()
    {
        return capsRecords;
    }

    /** @return how many times a caps record set or cleared the sink's streamheader. */
    public long streamheaderChanges()
    {
        return streamheaderChanges;
    }

    /** @return event records skipped. */
    public long eventsIgnored()
    {
        return eventsIgnored;
    }

    /** @return bad records of every problem, truncated ones included. */
    public long badRecords()
    {
        long total = 0;
        for (final long count : bad.values())
        {
            total += count;
        }
        return total;
    }

    /**
     * @param problem a problem.
     * @return bad records with that problem.
     */
    public long badRecords(final Problem problem)
    {
        return bad.getOrDefault(problem, 0L);
    }

    /** @return input bytes dropped: bad records, bytes passed over while resynchronising, a truncated tail. */
    public long bytesSkipped()
    {
        return bytesSkipped;
    }

    /** @return the current streamheader's buffer count, 0 when there is none. */
    public int streamheaderBuffers()
    {
        return rules.count();
    }

    /** @return the text of the last good caps record, or null before any. */
    public String lastCaps()
    {
        return lastCaps;
    }

    // ------------------------------------------------------------------------------------------
    // the record state machine; memory holds the uncommitted bytes just before its position
    // ------------------------------------------------------------------------------------------

    private int bytesWanted(final int have)
    {
        return switch (state)
        {
            case HEADER, SCAN -> HEADER_BYTES - have;
            case PAYLOAD -> HEADER_BYTES + payloadLength - have;
            case SKIP -> 1;
        };
    }

    private void process() throws GdpFormatException
    {
        while (true)
        {
            final int have = port.uncommitted();
            final int base = memory.position() - have;
            switch (state)
            {
                case HEADER ->
                {
                    if (have < HEADER_BYTES)
                    {
                        return;
                    }
                    header(base, bytesRead - have);
                }
                case PAYLOAD ->
                {
                    if (have < HEADER_BYTES + payloadLength)
                    {
                        return;
                    }
                    payload(base);
                }
                case SKIP ->
                {
                    if (have == 0)
                    {
                        return;
                    }
                    dropSkipped(have);
                }
                case SCAN ->
                {
                    if (have < HEADER_BYTES)
                    {
                        return;
                    }
                    scan(base, have);
                }
            }
        }
    }

    private void header(final int base, final long offset) throws GdpFormatException
    {
        records++;
        recordOffset = offset;
        final int headerFlags = u8(base + 2);
        final long length = u32(base + AT_LENGTH);
        final int type = u16(base + AT_TYPE);
        final boolean verified = (headerFlags & FLAG_HEADER_CRC) != 0;
        if (verified && !crcMatches(Problem.HEADER_CRC, base + AT_HEADER_CRC, base, AT_HEADER_CRC, length, false))
        {
            return;
        }
        if (u8(base) != 1 || u8(base + 1) != 0)
        {
            bad(Problem.VERSION, length, verified, "version " + u8(base) + "." + u8(base + 1) + ", not 1.0");
        }
        else if (!validType(type))
        {
            bad(Problem.PAYLOAD_TYPE, length, verified, "type " + type);
        }
        else if (length > maxPayloadBytes)
        {
            bad(Problem.LENGTH, length, verified, length + " bytes, over the maximum of " + maxPayloadBytes);
        }
        else if (type >= TYPE_EVENT_MIN)
        {
            eventsIgnored++;
            port.discard(HEADER_BYTES);
            startSkip(length, false);
        }
        else
        {
            payloadLength = (int)length;
            state = State.PAYLOAD;
        }
    }

    private void payload(final int base) throws GdpFormatException
    {
        final int at = base + HEADER_BYTES;
        if ((u8(base + 2) & FLAG_PAYLOAD_CRC) != 0 && payloadLength > 0
            && !crcMatches(Problem.PAYLOAD_CRC, base + AT_PAYLOAD_CRC, at, payloadLength, payloadLength, true))
        {
            return;
        }
        state = State.HEADER;
        if (u16(base + AT_TYPE) == TYPE_BUFFER)
        {
            buffer(base, at);
        }
        else
        {
            caps(at);
        }
    }

    /**
     * @return true when the CRC stored at {@code crcAt} is that of the {@code length} bytes from
     *         {@code from}; false after handling the record as bad.
     */
    private boolean crcMatches(
        final Problem problem, final int crcAt, final int from, final int length, final long recordLength,
        final boolean verified) throws GdpFormatException
    {
        final int stored = u16(crcAt);
        final int computed = crc(memory, from, length);
        if (stored != computed)
        {
            bad(problem, recordLength, verified, String.format("stored 0x%04x, computed 0x%04x", stored, computed));
            return false;
        }
        return true;
    }

    private void buffer(final int base, final int at)
    {
        final int gstFlags = u16(base + AT_BUFFER_FLAGS);
        final int flags = rules.flags(memory, at, payloadLength, ((gstFlags & GST_DELTA_UNIT) != 0 ? BufferFlags.DELTA_UNIT : 0)
            | ((gstFlags & GST_HEADER) != 0 ? BufferFlags.HEADER : 0));
        final long pts = time(base + AT_PTS);
        final long duration = time(base + AT_DURATION);
        port.discard(HEADER_BYTES);
        if (flags == StreamheaderRules.DROP)
        {
            port.discard(payloadLength); // docs/semantics.md §4.1, as MultiSocketSink.render
            headerBuffersDropped++;
            return;
        }
        port.commit(payloadLength, flags, pts, duration);
        buffers++;
        bytes += payloadLength;
    }

    private void caps(final int at)
    {
        capsRecords++;
        final byte[] text = new byte[payloadLength];
        memory.get(at, text);
        port.discard(HEADER_BYTES + payloadLength);
        int end = 0;
        while (end < text.length && text[end] != 0)
        {
            end++;
        }
        lastCaps = new String(text, 0, end, StandardCharsets.UTF_8);
        byte[][] header;
        try
        {
            header = CapsStreamheader.parse(lastCaps);
        }
        catch (final IllegalArgumentException ex)
        {
            reports.accept("gdp: caps record " + records + " at byte offset " + recordOffset + ": " + ex.getMessage() +
                "; taken as caps without a streamheader");
            header = null;
        }
        final ByteBuffer[] changed = rules.replace(header);
        if (changed != null)
        {
            streamheaderChanges++;
            port.setStreamheader(changed);
        }
    }

    /**
     * A bad record at the oldest uncommitted byte, whose header is still held: strict, throw;
     * otherwise report, then skip it by its length or resynchronise.
     */
    private void bad(final Problem problem, final long length, final boolean verified, final String detail)
        throws GdpFormatException
    {
        count(problem);
        final String where = "record " + records + ": " + detail;
        if (strict)
        {
            throw new GdpFormatException(problem, recordOffset, where);
        }
        final String message = GdpFormatException.message(problem, recordOffset, where);
        if (verified || length <= maxPayloadBytes)
        {
            reports.accept("gdp: " + message + "; skipped by its length field (" + (HEADER_BYTES + length) + " bytes)");
            startSkip(HEADER_BYTES + length, true);
        }
        else
        {
            reports.accept("gdp: " + message + "; length " + length +
                " not verified by a CRC: looking for the next valid header");
            port.discard(1);
            bytesSkipped++;
            scanFrom = recordOffset;
            state = State.SCAN;
        }
    }

    private void startSkip(final long length, final boolean isBad)
    {
        skipRemaining = length;
        skippingBad = isBad;
        state = length == 0 ? State.HEADER : State.SKIP;
    }

    private void dropSkipped(final int have)
    {
        final int n = (int)Math.min(have, skipRemaining);
        port.discard(n);
        skipRemaining -= n;
        if (skippingBad)
        {
            bytesSkipped += n;
        }
        if (skipRemaining == 0)
        {
            state = State.HEADER;
        }
    }

    private void scan(final int base, final int have)
    {
        final int last = base + have - HEADER_BYTES;
        int at = base;
        while (at <= last && !plausibleHeader(at))
        {
            at++;
        }
        port.discard(at - base);
        bytesSkipped += at - base;
        if (at <= last)
        {
            final long offset = bytesRead - (have - (at - base));
            reports.accept("gdp: resynchronised at byte offset " + offset + " after skipping " + (offset - scanFrom) +
                " bytes");
            state = State.HEADER;
        }
    }

    /** A header a resynchronisation may stop at: CRC present and valid, version 1.0, valid type, sane length. */
    private boolean plausibleHeader(final int at)
    {
        final int headerFlags = u8(at + 2);
        return u8(at) == 1 && u8(at + 1) == 0 && (headerFlags & ~(FLAG_HEADER_CRC | FLAG_PAYLOAD_CRC)) == 0
            && (headerFlags & FLAG_HEADER_CRC) != 0 && validType(u16(at + AT_TYPE))
            && u32(at + AT_LENGTH) <= maxPayloadBytes && crc(memory, at, AT_HEADER_CRC) == u16(at + AT_HEADER_CRC);
    }

    /**
     * End of input: drops what is held. Reports and counts a truncated record; in strict mode,
     * when {@code mayThrow}, returns it instead of reporting it.
     */
    private GdpFormatException endOfInput(final boolean mayThrow)
    {
        if (ended)
        {
            return null;
        }
        ended = true;
        final int have = port.uncommitted();
        String truncated = null;
        switch (state)
        {
            case HEADER ->
            {
                if (have > 0)
                {
                    recordOffset = bytesRead - have;
                    truncated = "input ended after " + have + " of the " + HEADER_BYTES + " header bytes";
                }
            }
            case PAYLOAD -> truncated =
                "input ended after " + (have - HEADER_BYTES) + " of the " + payloadLength + " payload bytes";
            case SKIP ->
            {
                if (skippingBad)
                {
                    reports.accept("gdp: input ended " + skipRemaining + " bytes short of the end of the bad record at" +
                        " byte offset " + recordOffset);
                }
                else
                {
                    truncated = "input ended " + skipRemaining + " bytes short of the end of the event record";
                }
            }
            case SCAN -> reports.accept("gdp: input ended before a valid header was found after byte offset " +
                scanFrom + ": " + (bytesRead - scanFrom) + " bytes skipped");
        }
        port.discard(have);
        bytesSkipped += have;
        if (truncated == null)
        {
            return null;
        }
        count(Problem.TRUNCATED);
        final String where = "record " + (state == State.HEADER ? records + 1 : records) + ": " + truncated;
        if (strict && mayThrow)
        {
            return new GdpFormatException(Problem.TRUNCATED, recordOffset, where);
        }
        reports.accept("gdp: " + GdpFormatException.message(Problem.TRUNCATED, recordOffset, where) + "; dropped");
        return null;
    }

    private GdpFormatException stop(final GdpFormatException ex)
    {
        failure = ex;
        final int have = port.uncommitted();
        port.discard(have);
        bytesSkipped += have;
        return ex;
    }

    private void count(final Problem problem)
    {
        bad.merge(problem, 1L, Long::sum);
    }

    private static boolean validType(final int type)
    {
        return type == TYPE_BUFFER || type == TYPE_CAPS || type >= TYPE_EVENT_MIN;
    }

    // ------------------------------------------------------------------------------------------
    // big-endian fields and the CRC (docs/gdp.md §4: CRC-16/GENIBUS)
    // ------------------------------------------------------------------------------------------

    private int u8(final int at)
    {
        return memory.get(at) & 0xFF;
    }

    private int u16(final int at)
    {
        return u8(at) << 8 | u8(at + 1);
    }

    private long u32(final int at)
    {
        return (long)u16(at) << 16 | u16(at + 2);
    }

    /** A time field: unsigned ns, all ones (or anything past the signed range) is unknown. */
    private long time(final int at)
    {
        final long value = u32(at) << 32 | u32(at + 4);
        return value < 0 ? MultiSocketSink.CLOCK_TIME_NONE : value;
    }

    /**
     * GDP's CRC-16: polynomial 0x1021, initial 0xFFFF, MSB first, final XOR 0xFFFF; 0 for no bytes.
     *
     * @param data   the bytes (absolute indices; position and limit unchanged).
     * @param from   first byte.
     * @param length byte count.
     * @return the CRC, 0 .. 0xFFFF.
     */
    static int crc(final ByteBuffer data, final int from, final int length)
    {
        if (length == 0)
        {
            return 0;
        }
        int crc = 0xFFFF;
        for (int i = from; i < from + length; i++)
        {
            crc = (crc << 8 ^ CRC_TABLE[(crc >>> 8 ^ data.get(i)) & 0xFF]) & 0xFFFF;
        }
        return crc ^ 0xFFFF;
    }

    private static int[] crcTable()
    {
        final int[] table = new int[256];
        for (int i = 0; i < 256; i++)
        {
            int crc = i << 8;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 0x8000) != 0 ? crc << 1 ^ 0x1021 : crc << 1;
            }
            table[i] = crc & 0xFFFF;
        }
        return table;
    }
}
