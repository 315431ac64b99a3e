package io.fanout.sink.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Coverage-guided fuzz targets (Jazzer, issue 13) for the input framers and the caps streamheader
 * parser, through a recording {@link ProducerPort} fake ({@link FuzzPort}): no sockets. In
 * {@code mvn verify} each target runs only the committed inputs in
 * {@code src/test/resources/io/fanout/sink/format/FramerFuzzTestInputs/<method>/} (regression
 * mode); {@code JAZZER_FUZZ=1} fuzzes one target (README, "Fuzzing").
 * <p>
 * A framer target's input: byte 0 chooses the framer's settings, byte 1 seeds the read sizes, the
 * rest is the input stream. Every target asserts more than "no exception": a violated invariant is
 * an {@link AssertionError}, which Jazzer reports as a finding. The framers document no exception
 * for bad input (README "Reliability" 6), so none may escape, except GdpFramer's documented
 * {@link GdpFormatException} in strict mode.
 */
class FramerFuzzTest
{
    private static final HexFormat HEX = HexFormat.of();

    /** Reads of 0 .. maxChunk bytes (0 is a read that returns nothing, as a non-blocking channel may). */
    private static ChunkedChannel chunked(final byte[] input, final byte seed, final int settings)
    {
        final int maxChunk = switch ((settings >>> 6) & 3)
        {
            case 0 -> Integer.MAX_VALUE;
            case 1 -> 1;
            case 2 -> 7;
            default -> 400;
        };
        if (maxChunk == Integer.MAX_VALUE)
        {
            return ChunkedChannel.whole(input);
        }
        final Random random = new Random(seed);
        return new ChunkedChannel(input, read -> random.nextInt(maxChunk + 1));
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }

    private static void checkTimestamps(final RecordingPort.Published p)
    {
        check(p.pts() >= MultiSocketSink.CLOCK_TIME_NONE && p.duration() >= MultiSocketSink.CLOCK_TIME_NONE,
            "timestamps are ns or CLOCK_TIME_NONE: " + p.pts() + ", " + p.duration());
    }

    private static void checkFromInput(final RecordingPort.Published p, final byte[] input)
    {
        check(p.inputOffset() >= 0 && p.inputOffset() + p.bytes().length <= input.length,
            "buffer at input offset " + p.inputOffset() + " lies in the input");
        final int from = (int)p.inputOffset();
        check(Arrays.equals(p.bytes(), 0, p.bytes().length, input, from, from + p.bytes().length),
            "buffer at input offset " + from + " holds the input's bytes there");
    }

    /**
     * Pumps to the end of input and finishes, checking the accounting identity after every pump:
     * read = rendered + skipped + uncommitted; with {@code resetOnce}, resets after the second pump.
     */
    private static void pumpToTheEnd(final Framer framer, final ChunkedChannel in, final FuzzPort port,
        final boolean resetOnce, final LongSupplier skipped)
    {
        int pumps = 0;
        try
        {
            while (framer.pump(in))
            {
                check(in.position() == framer.bytesRendered() + skipped.getAsLong() + port.uncommitted(),
                    "read = rendered + skipped + uncommitted after a pump");
                if (resetOnce && ++pumps == 2)
                {
                    framer.reset();
                    check(port.uncommitted() == 0, "nothing uncommitted after reset");
                }
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError("the test input does not fail", ex);
        }
        framer.finish();
        check(port.uncommitted() == 0, "nothing uncommitted after finish");
    }

    // ------------------------------------------------------------------------------------------
    // MPEG-TS
    // ------------------------------------------------------------------------------------------

    /**
     * MpegTsFramer. Accounting (MpegTsFramer's Javadoc, "Lost sync" and {@link MpegTsFramer#finish}):
     * every byte read is rendered ({@link MpegTsFramer#bytesRendered()}), discarded and counted
     * ({@link MpegTsFramer#bytesSkipped()}: lost sync, a truncated last packet, a partial packet at
     * reset), or still uncommitted (a partial packet, or bytes a sync search waits on); after
     * {@code finish()} nothing is uncommitted: rendered + skipped = input length. Buffers are whole
     * packets from the input, at most the block size, flags 0 or DELTA_UNIT, no timestamps; the
     * streamheader is a PAT and a PMT packet that were rendered.
     */
    @FuzzTest
    void mpegTs(final byte[] data)
    {
        if (data.length < 2)
        {
            return;
        }
        final int settings = data[0] & 0xFF;
        final MpegTsFramer.KeyframePid keyframePid = switch (settings & 3)
        {
            case 0 -> MpegTsFramer.KeyframePid.AUTO;
            case 1 -> MpegTsFramer.KeyframePid.ANY;
            case 2 -> MpegTsFramer.KeyframePid.of(TsStream.VIDEO_PID);
            default -> MpegTsFramer.KeyframePid.of(0);
        };
        final int blocksize = 1 + ((settings >>> 2) & 7) * 200; // 1 .. 1401: 1 to 7 packets
        final int blockBytes = Math.max(1, blocksize / MpegTsFramer.PACKET_SIZE) * MpegTsFramer.PACKET_SIZE;
        final boolean resetOnce = (settings & 0x20) != 0;
        final byte[] input = Arrays.copyOfRange(data, 2, data.length);
        final FuzzPort port = new FuzzPort();
        final List<String> reports = new ArrayList<>();
        final MpegTsFramer framer = new MpegTsFramer(port, blocksize, keyframePid, reports::add);
        final ChunkedChannel in = chunked(input, data[1], settings);
        pumpToTheEnd(framer, in, port, resetOnce, framer::bytesSkipped);
        check(framer.bytesRendered() + framer.bytesSkipped() == input.length,
            "rendered " + framer.bytesRendered() + " + skipped " + framer.bytesSkipped() + " = input " + input.length);
        check(port.committed == framer.bytesRendered() && port.discarded == framer.bytesSkipped(),
            "the counters are what reached the sink");
        check(framer.bytesSkipped() == 0 || !reports.isEmpty(), "skipped bytes are reported");
        check(reports.stream().filter(r -> r.startsWith("mpegts: lost sync at")).count() == framer.syncLosses(),
            "each burst of lost sync is reported once: " + framer.syncLosses() + " bursts, reports " + reports);
        final List<RecordingPort.Published> buffers = port.published;
        check(buffers.size() == framer.buffersRendered(), "buffersRendered counts the commits");
        final Set<String> packets = new HashSet<>();
        for (final RecordingPort.Published p : buffers)
        {
            final int n = p.bytes().length;
            check(n > 0 && n % MpegTsFramer.PACKET_SIZE == 0 && n <= blockBytes,
                "a buffer is 1 .. blocksize whole packets: " + n);
            for (int i = 0; i < n; i += MpegTsFramer.PACKET_SIZE)
            {
                check(p.bytes()[i] == 0x47, "every packet starts with the sync byte");
                packets.add(HEX.formatHex(p.bytes(), i, i + MpegTsFramer.PACKET_SIZE));
            }
            check(p.flags() == BufferFlags.NONE || p.flags() == BufferFlags.DELTA_UNIT, "flags " + p.flags());
            check(p.pts() == MultiSocketSink.CLOCK_TIME_NONE && p.duration() == MultiSocketSink.CLOCK_TIME_NONE,
                "no timestamps");
            checkFromInput(p, input);
        }
        for (final RecordingPort.Streamheader header : port.streamheaders)
        {
            check(header.buffers().size() == 2, "the streamheader is PAT and PMT");
            final byte[] pat = header.buffers().get(0);
            check(pat.length == MpegTsFramer.PACKET_SIZE && (pat[1] & 0x1F) == 0 && pat[2] == 0, "PAT on PID 0");
            for (final byte[] packet : header.buffers())
            {
                check(packets.contains(HEX.formatHex(packet)), "a streamheader packet was rendered");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // GDP
    // ------------------------------------------------------------------------------------------

    private static int u16(final byte[] b, final int at)
    {
        return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
    }

    private static long u32(final byte[] b, final int at)
    {
        return (long)u16(b, at) << 16 | u16(b, at + 2);
    }

    /**
     * GdpFramer. Accounting (docs/gdp.md §9): every byte read ({@link GdpFramer#bytesRead()}) is
     * committed as a buffer payload ({@link GdpFramer#bytesRendered()}), discarded, or still
     * uncommitted (a record held until complete); the discarded bytes are the skipped ones
     * ({@link GdpFramer#bytesSkipped()}: bad records, bytes passed over while resynchronising, a
     * truncated tail, a partial record at reset) plus the framing the framer read: the 62-byte
     * header of every good buffer, caps and event record, the caps and event payloads and dropped
     * HEADER copies. So read = rendered + skipped + framing + uncommitted, framing &gt;= 62 &times;
     * (buffers + HEADER copies dropped + caps records + events), and after {@code finish()} nothing
     * is uncommitted. Each buffer is the payload of a well-formed buffer record in the input (its
     * header right before it: version 1.0, type 1, its length, its CRCs when flagged), at most
     * maxPayloadBytes; skipped bytes mean a bad record was counted.
     */
    @FuzzTest
    void gdp(final byte[] data)
    {
        if (data.length < 2)
        {
            return;
        }
        final int settings = data[0] & 0xFF;
        final boolean strict = (settings & 1) != 0;
        final int maxPayloadBytes = switch ((settings >>> 1) & 3)
        {
            case 0 -> 64 << 10; // the default, 64 MiB, at a scale that keeps runs fast: a record is held whole
            case 1 -> 0;
            case 2 -> 64;
            default -> 4096;
        };
        final int readAhead = (settings & 8) != 0 ? 1 : GdpFramer.DEFAULT_READ_AHEAD;
        final boolean resetOnce = (settings & 0x10) != 0;
        final byte[] input = Arrays.copyOfRange(data, 2, data.length);
        final FuzzPort port = new FuzzPort();
        final List<String> reports = new ArrayList<>();
        final GdpFramer framer = new GdpFramer(port, strict, maxPayloadBytes, readAhead, reports::add);
        final ChunkedChannel in = chunked(input, data[1], settings);
        long droppedAtReset = 0;
        int pumps = 0;
        boolean stopped = false;
        try
        {
            while (framer.pump(in))
            {
                check(framer.bytesRead() == in.position(), "bytesRead counts what was read");
                check(framer.bytesRead() == port.committed + port.discarded + port.uncommitted(),
                    "read = committed + discarded + uncommitted after a pump");
                if (resetOnce && ++pumps == 2)
                {
                    droppedAtReset = port.uncommitted();
                    framer.reset();
                    check(port.uncommitted() == 0, "nothing uncommitted after reset");
                }
            }
        }
        catch (final GdpFormatException ex)
        {
            check(strict, "GdpFormatException only in strict mode: " + ex);
            check(port.uncommitted() == 0, "a strict stop drops what is held");
            stopped = true;
            try
            {
                framer.pump(in);
                throw new AssertionError("pump after a GdpFormatException throws IllegalStateException");
            }
            catch (final IllegalStateException expected)
            {
                // documented
            }
            catch (final IOException other)
            {
                throw new AssertionError(other);
            }
        }
        catch (final IOException ex)
        {
            throw new AssertionError("the test input does not fail", ex);
        }
        framer.finish();
        check(port.uncommitted() == 0, "nothing uncommitted after finish");
        check(stopped || framer.bytesRead() == input.length, "everything was read");
        check(port.committed == framer.bytesRendered(), "bytesRendered is what was committed");
        check(framer.bytesRead() == port.committed + port.discarded, "read = committed + discarded after finish");
        final long framing = port.discarded - framer.bytesSkipped();
        check(framing >= (long)GdpFramer.HEADER_BYTES *
                (framer.buffersRendered() + framer.headerBuffersDropped() + framer.capsRecords() + framer.eventsIgnored()),
            "discarded = skipped + framing: skipped " + framer.bytesSkipped() + ", discarded " + port.discarded);
        check(framer.bytesSkipped() <= droppedAtReset || framer.badRecords() > 0,
            "skipped bytes come from a counted bad record");
        check(framer.badRecords() == 0 || !reports.isEmpty() || stopped, "bad records are reported");
        final List<RecordingPort.Published> buffers = port.published;
        check(buffers.size() == framer.buffersRendered(), "buffersRendered counts the commits");
        for (final RecordingPort.Published p : buffers)
        {
            checkFromInput(p, input);
            checkTimestamps(p);
            final int at = (int)p.inputOffset() - GdpFramer.HEADER_BYTES;
            check(at >= 0, "a buffer follows its header");
            check(input[at] == 1 && input[at + 1] == 0 && u16(input, at + 4) == 1, "its header: version 1.0, type buffer");
            check(u32(input, at + 6) == p.bytes().length && p.bytes().length <= maxPayloadBytes, "its length");
            final int headerFlags = input[at + 2] & 0xFF;
            if ((headerFlags & 1) != 0)
            {
                check(GdpWriter.crc(input, at, 58) == u16(input, at + 58), "its header CRC");
            }
            if ((headerFlags & 2) != 0 && p.bytes().length > 0)
            {
                check(GdpWriter.crc(p.bytes(), 0, p.bytes().length) == u16(input, at + 60), "its payload CRC");
            }
            final int gstFlags = u16(input, at + 42);
            final int flags = ((gstFlags & 0x2000) != 0 ? BufferFlags.DELTA_UNIT : 0) |
                ((gstFlags & 0x0400) != 0 ? BufferFlags.HEADER : 0);
            // docs/gdp.md §9: a dropped HEADER copy of the streamheader that was a keyframe passes its mark to the next buffer
            check(p.flags() == flags || p.flags() == (flags & ~BufferFlags.DELTA_UNIT) && framer.headerBuffersDropped() > 0,
                "its flags");
        }
        check(port.streamheaders.size() == framer.streamheaderChanges(), "streamheaderChanges counts the changes");
    }

    // ------------------------------------------------------------------------------------------
    // lines
    // ------------------------------------------------------------------------------------------

    /**
     * LinesFramer. Accounting (LinesFramer's Javadoc): every byte read is rendered
     * ({@link LinesFramer#bytesRendered()}), dropped and counted ({@link LinesFramer#bytesSkipped()}:
     * a partial line at reset), or still uncommitted (a line without its newline yet); after
     * {@code finish()} nothing is uncommitted. Each buffer is the input's bytes, at most
     * maxLineLength, with a newline only as its last byte; one without a newline is a split line
     * (exactly maxLineLength, counted in {@link LinesFramer#splitLines()}) or the last line.
     */
    @FuzzTest
    void lines(final byte[] data)
    {
        if (data.length < 2)
        {
            return;
        }
        final int settings = data[0] & 0xFF;
        final int maxLineLength = switch (settings & 7)
        {
            case 0 -> LinesFramer.DEFAULT_MAX_LINE_LENGTH;
            case 1 -> 1;
            case 2 -> 2;
            case 3 -> 16;
            case 4 -> 80;
            case 5 -> 1024;
            default -> 5;
        };
        final boolean resetOnce = (settings & 8) != 0;
        final byte[] input = Arrays.copyOfRange(data, 2, data.length);
        final FuzzPort port = new FuzzPort();
        final LinesFramer framer = new LinesFramer(port, maxLineLength);
        final ChunkedChannel in = chunked(input, data[1], settings);
        pumpToTheEnd(framer, in, port, resetOnce, framer::bytesSkipped);
        check(framer.bytesRendered() + framer.bytesSkipped() == input.length, "rendered + skipped = input");
        check(port.committed == framer.bytesRendered() && port.discarded == framer.bytesSkipped(),
            "the counters are what reached the sink");
        final List<RecordingPort.Published> buffers = port.published;
        check(buffers.size() == framer.buffersRendered(), "buffersRendered counts the commits");
        long split = 0;
        for (int b = 0; b < buffers.size(); b++)
        {
            final RecordingPort.Published p = buffers.get(b);
            final byte[] bytes = p.bytes();
            checkFromInput(p, input);
            check(bytes.length >= 1 && bytes.length <= maxLineLength, "1 .. maxLineLength bytes: " + bytes.length);
            check(p.flags() == BufferFlags.NONE, "every line is a keyframe");
            for (int i = 0; i < bytes.length - 1; i++)
            {
                check(bytes[i] != '\n', "a newline ends its buffer");
            }
            if (bytes[bytes.length - 1] != '\n')
            {
                if (bytes.length == maxLineLength)
                {
                    split++;
                }
                else
                {
                    check(b == buffers.size() - 1 && p.inputOffset() + bytes.length == input.length,
                        "only the last line lacks its newline");
                }
            }
        }
        check(split == framer.splitLines(), "splitLines " + framer.splitLines() + " counts the splits " + split);
    }

    // ------------------------------------------------------------------------------------------
    // caps streamheader
    // ------------------------------------------------------------------------------------------

    /**
     * CapsStreamheader.parse (docs/gdp.md §6): only IllegalArgumentException escapes, and only when
     * there is a streamheader field; a result is a non-empty array of non-empty buffers, each the
     * hex of text in the caps, and it parses back the same from the canonical form.
     */
    @FuzzTest
    void capsStreamheader(final byte[] data)
    {
        final String caps = new String(data, StandardCharsets.UTF_8);
        final byte[][] header;
        try
        {
            header = CapsStreamheader.parse(caps);
        }
        catch (final IllegalArgumentException ex)
        {
            check(caps.contains("streamheader"), "refused caps without a streamheader field: " + ex.getMessage());
            return;
        }
        if (header == null)
        {
            return;
        }
        check(caps.contains("streamheader"), "a streamheader from caps without the field");
        check(header.length > 0, "null, not an empty array, for no buffers");
        final String lower = caps.toLowerCase(Locale.ROOT);
        final List<String> hex = new ArrayList<>();
        for (final byte[] buffer : header)
        {
            check(buffer != null && buffer.length > 0, "no empty buffer");
            hex.add(HEX.formatHex(buffer));
            check(lower.contains(hex.get(hex.size() - 1)), "a buffer is hex written in the caps");
        }
        final byte[][] again = CapsStreamheader.parse("video/mpegts, streamheader=(buffer)< " + String.join(", ", hex) + " >");
        check(Arrays.deepEquals(header, again), "the canonical form parses back the same");
    }
}
