package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.format.GdpFramer.Problem;
import io.fanout.sink.format.GdpWriter.Header;
import io.fanout.sink.format.RecordingPort.Published;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.fanout.sink.format.GdpWriter.EVENT_CUSTOM_DOWNSTREAM;
import static io.fanout.sink.format.GdpWriter.EVENT_SEGMENT;
import static io.fanout.sink.format.GdpWriter.EVENT_STREAM_START;
import static io.fanout.sink.format.GdpWriter.EVENT_TAG;
import static io.fanout.sink.format.GdpWriter.GST_DELTA_UNIT;
import static io.fanout.sink.format.GdpWriter.GST_DISCONT;
import static io.fanout.sink.format.GdpWriter.GST_GAP;
import static io.fanout.sink.format.GdpWriter.GST_HEADER;
import static io.fanout.sink.format.GdpWriter.GST_LIVE;
import static io.fanout.sink.format.GdpWriter.NONE;
import static io.fanout.sink.format.GdpWriter.hex;
import static io.fanout.sink.format.GdpWriter.toHex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GdpFramer against docs/gdp.md: a test-side writer (GdpWriter, checked against the worked example of
 * §10) makes the records, a chunked channel splits them anywhere (one byte at a time, inside
 * headers and payloads), and a recording producer port sees every committed buffer and every
 * streamheader; one test goes through a real MultiSocketSink and a loopback client.
 */
@Timeout(60)
class GdpFramerTest
{
    /** docs/gdp.md §10: 4-byte buffer, PTS 1 s, duration 40 ms, DELTA_UNIT, header CRC on. */
    private static final String WORKED_HEADER =
        "01000100000100000004000000003b9aca000000000002625a00ffffffffffffffffffffffffffffffff2000ffffffffffffffff" +
        "0000000000007be70000";
    private static final byte[] WORKED_PAYLOAD = {1, 2, 3, 4};
    private static final long SECOND = 1_000_000_000L;
    private static final long MS_40 = 40_000_000L;
    private static final String MPEGTS_CAPS = "video/mpegts, systemstream=(boolean)true, packetsize=(int)188";

    // ------------------------------------------------------------------------------------------
    // harness
    // ------------------------------------------------------------------------------------------

    /** One framer over a recording port, and what it reported. */
    private static final class Run
    {
        final RecordingPort port;
        final GdpFramer framer;
        final List<String> reports = new ArrayList<>();

        Run(final boolean strict, final int maxPayload, final int readAhead, final int slack)
        {
            port = new RecordingPort(slack);
            framer = new GdpFramer(port, strict, maxPayload, readAhead, reports::add);
        }

        /** Tight memory: every claim exactly what the framer asks, so held bytes move often. */
        static Run tight(final boolean strict)
        {
            return new Run(strict, GdpFramer.DEFAULT_MAX_PAYLOAD_BYTES, 1, 0);
        }

        /** Pumps to end of input, then finish. */
        Run feed(final ReadableByteChannel input) throws IOException
        {
            while (framer.pump(input))
            {
                // one read per pump
            }
            framer.finish();
            return this;
        }

        List<Published> published()
        {
            return port.published();
        }
    }

    private static Run decode(final byte[] stream) throws IOException
    {
        return Run.tight(false).feed(ChunkedChannel.oneByte(stream));
    }

    private static void assertBuffer(final Published p, final byte[] bytes, final int flags, final long pts, final long duration)
    {
        assertArrayEquals(bytes, p.bytes(), "bytes");
        assertEquals(flags, p.flags(), "flags");
        assertEquals(pts, p.pts(), "pts");
        assertEquals(duration, p.duration(), "duration");
    }

    private static byte[] bytes(final int size, final int seed)
    {
        final byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A 188-byte TS packet starting 47 40 pid cc, filled from a seed. */
    private static byte[] tsPacket(final int pid, final int cc, final int seed)
    {
        final byte[] p = bytes(188, seed);
        p[0] = 0x47;
        p[1] = (byte)(0x40 | pid >> 8);
        p[2] = (byte)pid;
        p[3] = (byte)(0x30 | cc);
        return p;
    }

    private static String streamheaderCaps(final String base, final byte[]... buffers)
    {
        final StringBuilder sb = new StringBuilder(base).append(", streamheader=(buffer)< ");
        for (int i = 0; i < buffers.length; i++)
        {
            sb.append(i == 0 ? "" : ", ").append(toHex(buffers[i]));
        }
        return sb.append(" >").toString();
    }

    // ------------------------------------------------------------------------------------------
    // the writer against the spec (§4, §10, §11)
    // ------------------------------------------------------------------------------------------

    @Test
    void writerCrcAndLayoutReproduceTheSpecBytes()
    {
        assertEquals(0xD64E, GdpWriter.crc("123456789".getBytes(StandardCharsets.US_ASCII), 0, 9), "§4 check value");
        assertEquals(0, GdpWriter.crc(new byte[0], 0, 0), "§4 empty input");

        final byte[] worked = new GdpWriter().buffer(WORKED_PAYLOAD, SECOND, MS_40, GST_DELTA_UNIT).bytes();
        assertEquals(WORKED_HEADER + "01020304", toHex(worked), "§10 record");

        final byte[] noCrc = new GdpWriter().crc(false, false).buffer(WORKED_PAYLOAD, SECOND, MS_40, GST_DELTA_UNIT).bytes();
        final byte[] expectedNoCrc = hex(WORKED_HEADER + "01020304");
        expectedNoCrc[2] = 0;
        expectedNoCrc[58] = 0;
        expectedNoCrc[59] = 0;
        assertEquals(toHex(expectedNoCrc), toHex(noCrc), "§10 crc-header=false");

        final byte[] withDts = GdpWriter.encode(
            new Header(1, 0, 1, 1, 4, SECOND, MS_40, NONE, NONE, GST_DELTA_UNIT, SECOND), WORKED_PAYLOAD);
        assertEquals("4995", toHex(Arrays.copyOfRange(withDts, 58, 60)), "§10 DTS = 1 s");

        final byte[] crcPayload = new GdpWriter().crc(true, true).buffer(WORKED_PAYLOAD, SECOND, MS_40, GST_DELTA_UNIT).bytes();
        assertEquals(3, crcPayload[2]);
        assertEquals("f869763c", toHex(Arrays.copyOfRange(crcPayload, 58, 62)), "§10 crc-payload=true");

        // §10/§11: the caps record header for the mpegts caps string is gdppay's: length 0x3e, CRC 6d02
        final byte[] caps = new GdpWriter().caps(MPEGTS_CAPS).bytes();
        assertEquals("0000003e", toHex(Arrays.copyOfRange(caps, 6, 10)));
        assertEquals("6d020000", toHex(Arrays.copyOfRange(caps, 58, 62)));
        assertEquals(62 + 62, caps.length);
    }

    // ------------------------------------------------------------------------------------------
    // buffers
    // ------------------------------------------------------------------------------------------

    @Test
    void workedExampleAndItsVariantsDecodeToTheBuffer() throws IOException
    {
        final byte[] worked = hex(WORKED_HEADER + "01020304");
        final byte[] noCrc = worked.clone();
        noCrc[2] = 0;
        noCrc[58] = 0;
        noCrc[59] = 0;
        final byte[] dts = worked.clone();
        System.arraycopy(hex("000000003b9aca00"), 0, dts, 44, 8);
        System.arraycopy(hex("4995"), 0, dts, 58, 2);
        final byte[] crcPayload = worked.clone();
        crcPayload[2] = 3;
        System.arraycopy(hex("f869763c"), 0, crcPayload, 58, 4);

        for (final byte[] record : List.of(worked, noCrc, dts, crcPayload))
        {
            final Run run = decode(record);
            assertEquals(1, run.published().size(), toHex(record));
            assertBuffer(run.published().get(0), WORKED_PAYLOAD, BufferFlags.DELTA_UNIT, SECOND, MS_40);
            assertEquals(1, run.framer.records());
            assertEquals(1, run.framer.buffersRendered());
            assertEquals(4, run.framer.bytesRendered());
            assertEquals(66, run.framer.bytesRead());
            assertEquals(0, run.framer.badRecords());
            assertEquals(0, run.framer.bytesSkipped());
            assertEquals(List.of(), run.reports);
        }
    }

    @Test
    void keyframeDeltaAndHeaderFlagsAndTimesAreMapped() throws IOException
    {
        final int[] gstFlags = {0, GST_DELTA_UNIT, GST_HEADER, GST_HEADER | GST_DELTA_UNIT, GST_LIVE | GST_DISCONT | GST_GAP,
            0xF3A0};
        final int[] sinkFlags = {BufferFlags.NONE, BufferFlags.DELTA_UNIT, BufferFlags.HEADER,
            BufferFlags.HEADER | BufferFlags.DELTA_UNIT, BufferFlags.NONE, BufferFlags.DELTA_UNIT};
        final long[] pts = {0, 7, NONE, Long.MAX_VALUE, Long.MIN_VALUE, 3 * SECOND};
        final long[] expectedPts = {0, 7, MultiSocketSink.CLOCK_TIME_NONE, Long.MAX_VALUE, MultiSocketSink.CLOCK_TIME_NONE,
            3 * SECOND};
        final GdpWriter w = new GdpWriter();
        for (int i = 0; i < gstFlags.length; i++)
        {
            w.buffer(bytes(10 + i, i), pts[i], i == 2 ? NONE : i * MS_40, gstFlags[i]);
        }
        w.buffer(new byte[0], SECOND, NONE, GST_GAP | GST_DELTA_UNIT); // a GAP buffer may be empty
        final Run run = decode(w.bytes());
        final List<Published> out = run.published();
        assertEquals(gstFlags.length + 1, out.size());
        for (int i = 0; i < gstFlags.length; i++)
        {
            assertBuffer(out.get(i), bytes(10 + i, i), sinkFlags[i], expectedPts[i],
                i == 2 ? MultiSocketSink.CLOCK_TIME_NONE : i * MS_40);
        }
        assertBuffer(out.get(gstFlags.length), new byte[0], BufferFlags.DELTA_UNIT, SECOND, MultiSocketSink.CLOCK_TIME_NONE);
        assertTrue(BufferFlags.isKeyframe(out.get(0).flags()));
        assertFalse(BufferFlags.isKeyframe(out.get(1).flags()));
        assertTrue(BufferFlags.isKeyframe(out.get(2).flags()), "HEADER without DELTA_UNIT is a keyframe");
    }

    // ------------------------------------------------------------------------------------------
    // caps and streamheaders
    // ------------------------------------------------------------------------------------------

    @Test
    void capsStreamheaderIsSetReplacedAndClearedInOrderWithData() throws IOException
    {
        final byte[] a = bytes(188, 1);
        final byte[] b = bytes(188, 2);
        final byte[] c = bytes(40, 3);
        final GdpWriter w = new GdpWriter()
            .caps(streamheaderCaps(MPEGTS_CAPS, a, b))
            .buffer(hex("aa01"), 0, NONE, 0)
            .caps(streamheaderCaps(MPEGTS_CAPS, c))
            .buffer(hex("aa02"), 1, NONE, GST_DELTA_UNIT)
            .caps(streamheaderCaps("video/mpegts, systemstream=(boolean)true, packetsize=(int)192", c)) // same header
            .buffer(hex("aa03"), 2, NONE, GST_DELTA_UNIT)
            .caps(MPEGTS_CAPS) // no streamheader: cleared
            .buffer(hex("aa04"), 3, NONE, GST_DELTA_UNIT);
        final Run run = decode(w.bytes());
        assertEquals(List.of("sh:2", "buf:aa01", "sh:1", "buf:aa02", "buf:aa03", "sh:0", "buf:aa04"), run.port.outline());
        final List<RecordingPort.Streamheader> headers = run.port.streamheaders();
        assertArrayEquals(a, headers.get(0).buffers().get(0));
        assertArrayEquals(b, headers.get(0).buffers().get(1));
        assertArrayEquals(c, headers.get(1).buffers().get(0));
        assertEquals(4, run.framer.capsRecords());
        assertEquals(3, run.framer.streamheaderChanges());
        assertEquals(0, run.framer.streamheaderBuffers());
        assertEquals(MPEGTS_CAPS, run.framer.lastCaps());
        assertEquals(0, run.framer.badRecords());
        assertEquals(List.of(), run.reports);
    }

    @Test
    void headerBuffersEqualToTheStreamheaderAreNotData() throws IOException
    {
        final byte[] pat = tsPacket(0, 1, 10);
        final byte[] pmt = tsPacket(0x20, 1, 11);
        final byte[] keyframe = tsPacket(0x41, 2, 12);
        final GdpWriter w = new GdpWriter()
            .buffer(pat, 0, NONE, GST_HEADER) // no streamheader yet: data
            .caps(streamheaderCaps(MPEGTS_CAPS, pat, pmt))
            .buffer(pat, 1, NONE, GST_HEADER) // dropped
            .buffer(pmt, 2, NONE, GST_HEADER | GST_DELTA_UNIT) // dropped
            .buffer(pat, 3, NONE, 0) // equal bytes but no HEADER flag: data
            .buffer(keyframe, 4, NONE, GST_HEADER | GST_DELTA_UNIT) // HEADER, other bytes: data
            .buffer(Arrays.copyOf(pmt, 187), 5, NONE, GST_HEADER); // a prefix of the header: data
        final Run run = decode(w.bytes());
        final List<Published> out = run.published();
        assertEquals(List.of(0L, 3L, 4L, 5L), out.stream().map(Published::pts).toList());
        assertBuffer(out.get(0), pat, BufferFlags.HEADER, 0, MultiSocketSink.CLOCK_TIME_NONE);
        assertBuffer(out.get(1), pat, BufferFlags.NONE, 3, MultiSocketSink.CLOCK_TIME_NONE);
        assertBuffer(out.get(2), keyframe, BufferFlags.HEADER | BufferFlags.DELTA_UNIT, 4, MultiSocketSink.CLOCK_TIME_NONE);
        assertEquals(2, run.framer.headerBuffersDropped());
        assertEquals(4, run.framer.buffersRendered());
        assertEquals(2 * 188 + 188 + 187, run.framer.bytesRendered());
        assertEquals(0, run.framer.bytesSkipped(), "a dropped header buffer is not bad input");
    }

    /** docs/gdp.md §7 and §11(a): what mpegtsmux ! gdppay ! fdsink writes, in that order. */
    @Test
    void gdppayMpegtsStreamAsDocumented() throws IOException
    {
        final byte[] pat = tsPacket(0, 1, 20);
        final byte[] pmt = tsPacket(0x20, 1, 21);
        final byte[] laterPat = tsPacket(0, 4, 22); // the PAT re-sent with another continuity counter
        final GdpWriter w = new GdpWriter()
            .event(EVENT_STREAM_START,
                "GstEventStreamStart, stream-id=(string)agg-bbf39982, flags=(GstStreamFlags)GST_STREAM_FLAG_NONE;")
            .caps(MPEGTS_CAPS)
            .caps(streamheaderCaps(MPEGTS_CAPS, pat, pmt))
            .event(EVENT_SEGMENT, "GstEventSegment, segment=(GstSegment)\"segment, format=(GstFormat)time, start=(guint64)0;\";")
            .buffer(pat, 0, NONE, GST_HEADER)
            .buffer(pmt, 0, NONE, GST_HEADER | GST_DELTA_UNIT)
            .buffer(tsPacket(0x41, 0, 23), 0, NONE, GST_HEADER | GST_DELTA_UNIT)
            .buffer(tsPacket(0x41, 1, 24), 0, NONE, GST_DELTA_UNIT)
            .buffer(laterPat, 266_666_666, NONE, GST_HEADER)
            .buffer(tsPacket(0x41, 2, 25), 266_666_666, NONE, GST_HEADER | GST_DELTA_UNIT);
        final Run run = decode(w.bytes());
        assertEquals(2, run.framer.eventsIgnored());
        assertEquals(2, run.framer.capsRecords());
        assertEquals(1, run.framer.streamheaderChanges(), "caps without a streamheader clear nothing");
        assertEquals(2, run.framer.streamheaderBuffers());
        assertEquals(2, run.framer.headerBuffersDropped());
        final List<Published> out = run.published();
        assertEquals(4, out.size());
        // the dropped PAT was the keyframe mark: the first video packet after it carries it (docs/gdp.md §9)
        assertEquals(List.of(true, false, true, false), out.stream().map(p -> BufferFlags.isKeyframe(p.flags())).toList());
        assertBuffer(out.get(2), laterPat, BufferFlags.HEADER, 266_666_666, MultiSocketSink.CLOCK_TIME_NONE);
        assertEquals(List.of("sh:2"), run.port.outline().subList(0, 1));
        assertEquals(0, run.framer.badRecords());
    }

    @Test
    void capsStreamheaderParsing()
    {
        final byte[][] two = CapsStreamheader.parse(MPEGTS_CAPS + ", streamheader=(buffer)< 4740, 47A0ff >");
        assertEquals(2, two.length);
        assertEquals("4740", toHex(two[0]));
        assertEquals("47a0ff", toHex(two[1]));
        assertEquals(1, CapsStreamheader.parse("a/b,streamheader = (buffer) <00>, x=(int)1").length);
        assertNull(CapsStreamheader.parse(MPEGTS_CAPS));
        assertNull(CapsStreamheader.parse("video/x-h264, stream-format=(string)avc, codec_data=(buffer)01640028"));
        assertNull(CapsStreamheader.parse("a/b, title=(string)\"x\\\", streamheader=(buffer)< 00 >\""), "inside a string");
        assertNull(CapsStreamheader.parse("a/b; c/d, streamheader=(buffer)< 00 >"), "second structure");
        assertNull(CapsStreamheader.parse("a/b, my-streamheader=(buffer)< 00 >"), "another field");
        assertNull(CapsStreamheader.parse("a/b, streamheader=(buffer)< >"), "empty array");
        for (final String bad : List.of("a/b, streamheader=(buffer)< 4g >", "a/b, streamheader=(buffer)< 474 >",
            "a/b, streamheader=(int)< 00 >", "a/b, streamheader=(buffer)00", "a/b, streamheader=(buffer)< 00, >",
            "a/b, streamheader=(buffer)< 00"))
        {
            assertThrows(IllegalArgumentException.class, () -> CapsStreamheader.parse(bad), bad);
        }
    }

    @Test
    void capsWithUnparsableStreamheaderIsNotBadButClearsIt() throws IOException
    {
        final GdpWriter w = new GdpWriter()
            .caps(streamheaderCaps(MPEGTS_CAPS, hex("4700")))
            .buffer(hex("01"), 0, NONE, 0)
            .caps(MPEGTS_CAPS + ", streamheader=(buffer)< 47zz >")
            .buffer(hex("02"), 1, NONE, 0);
        final Run run = decode(w.bytes());
        assertEquals(List.of("sh:1", "buf:01", "sh:0", "buf:02"), run.port.outline());
        assertEquals(0, run.framer.badRecords());
        assertEquals(1, run.reports.size());
        assertTrue(run.reports.get(0).contains("not hex") && run.reports.get(0).contains("byte offset " + w.start(2)),
            run.reports.get(0));
    }

    // ------------------------------------------------------------------------------------------
    // events
    // ------------------------------------------------------------------------------------------

    @Test
    void eventsAreSkippedWithoutBeingHeld() throws IOException
    {
        final String bigTag = "GstTagList-stream, taglist=(taglist)\"" + "x".repeat(100_000) + "\";";
        final GdpWriter w = new GdpWriter()
            .event(EVENT_STREAM_START, "GstEventStreamStart, stream-id=(string)s, group-id=(uint)1;")
            .caps(MPEGTS_CAPS)
            .event(EVENT_SEGMENT, "GstEventSegment, segment=(GstSegment)\"segment, format=(GstFormat)bytes;\";")
            .buffer(hex("b1"), 0, NONE, 0)
            .event(EVENT_TAG, bigTag)
            .event(EVENT_CUSTOM_DOWNSTREAM, "GstForceKeyUnit, all-headers=(boolean)true;")
            .event(0xA046, null) // an event without a structure: empty payload
            .buffer(hex("b2"), 1, NONE, GST_DELTA_UNIT)
            .event(0xFFFF, "x;");
        final Run run = decode(w.bytes());
        assertEquals(List.of("buf:b1", "buf:b2"), run.port.outline());
        assertEquals(6, run.framer.eventsIgnored());
        assertEquals(9, run.framer.records());
        assertEquals(0, run.framer.badRecords());
        assertEquals(0, run.framer.bytesSkipped());
        assertEquals(List.of(), run.reports);
        assertTrue(run.port.largestClaim <= GdpFramer.HEADER_BYTES + 100, "an event payload is never held: " +
            run.port.largestClaim);
    }

    // ------------------------------------------------------------------------------------------
    // bad records
    // ------------------------------------------------------------------------------------------

    /** Three buffers; the second's PTS is changed after its CRC was computed. */
    private static GdpWriter crcMismatchStream()
    {
        return new GdpWriter()
            .buffer(bytes(100, 1), 0, NONE, 0)
            .buffer(bytes(200, 2), 1, NONE, GST_DELTA_UNIT)
            .buffer(bytes(300, 3), 2, NONE, GST_DELTA_UNIT);
    }

    private static byte[] corrupt(final byte[] stream, final int index)
    {
        final byte[] copy = stream.clone();
        copy[index] ^= 0x10;
        return copy;
    }

    @Test
    void headerCrcMismatchIsReportedAndSkippedByLength() throws IOException
    {
        final GdpWriter w = crcMismatchStream();
        final Run run = decode(corrupt(w.bytes(), w.start(1) + 17));
        assertEquals(List.of(0L, 2L), run.published().stream().map(Published::pts).toList());
        assertBuffer(run.published().get(1), bytes(300, 3), BufferFlags.DELTA_UNIT, 2, MultiSocketSink.CLOCK_TIME_NONE);
        assertEquals(1, run.framer.badRecords(Problem.HEADER_CRC));
        assertEquals(1, run.framer.badRecords());
        assertEquals(62 + 200, run.framer.bytesSkipped());
        assertEquals(3, run.framer.records());
        assertEquals(1, run.reports.size());
        final String report = run.reports.get(0);
        assertTrue(report.contains("header CRC mismatch at byte offset " + w.start(1)) &&
            report.contains("skipped by its length field (262 bytes)"), report);
    }

    @Test
    void strictModeThrowsNamingTheProblemAndOffset() throws IOException
    {
        final GdpWriter w = crcMismatchStream();
        final Run run = Run.tight(true);
        final ReadableByteChannel input = ChunkedChannel.oneByte(corrupt(w.bytes(), w.start(1) + 17));
        final GdpFormatException ex = assertThrows(GdpFormatException.class, () -> run.feed(input));
        assertEquals(Problem.HEADER_CRC, ex.problem());
        assertEquals(w.start(1), ex.offset());
        assertTrue(ex.getMessage().startsWith("GDP header CRC mismatch at byte offset " + w.start(1) + ": record 2"),
            ex.getMessage());
        assertEquals(List.of(0L), run.published().stream().map(Published::pts).toList());
        assertEquals(0, run.port.uncommitted(), "the bad record's bytes are released");
        assertThrows(IllegalStateException.class, () -> run.framer.pump(input));
        assertEquals(List.of(), run.reports);
    }

    @Test
    void payloadCrcMismatchIsABadRecord() throws IOException
    {
        final GdpWriter w = new GdpWriter().crc(true, true)
            .caps(streamheaderCaps(MPEGTS_CAPS, hex("4711")))
            .buffer(bytes(50, 1), 0, NONE, 0)
            .buffer(bytes(50, 2), 1, NONE, GST_DELTA_UNIT)
            .buffer(bytes(50, 3), 2, NONE, GST_DELTA_UNIT);
        final Run good = decode(w.bytes());
        assertEquals(3, good.published().size());
        assertEquals(0, good.framer.badRecords());

        final Run run = decode(corrupt(w.bytes(), w.start(2) + 62 + 7));
        assertEquals(List.of(0L, 2L), run.published().stream().map(Published::pts).toList());
        assertEquals(1, run.framer.badRecords(Problem.PAYLOAD_CRC));
        assertEquals(62 + 50, run.framer.bytesSkipped());
        assertTrue(run.reports.get(0).contains("payload CRC mismatch at byte offset " + w.start(2)), run.reports.get(0));

        final Run strict = Run.tight(true);
        final GdpFormatException ex = assertThrows(GdpFormatException.class,
            () -> strict.feed(ChunkedChannel.oneByte(corrupt(w.bytes(), w.start(2) + 62 + 7))));
        assertEquals(Problem.PAYLOAD_CRC, ex.problem());
        assertEquals(w.start(2), ex.offset());
    }

    @Test
    void unknownVersionIsSkippedOrFatalWhenStrict() throws IOException
    {
        final GdpWriter w = new GdpWriter();
        w.record(w.bufferHeader(30, 0, NONE, 0).withVersion(0, 2), bytes(30, 1)) // GStreamer 0.10's GDP 0.2
            .buffer(bytes(20, 2), 1, NONE, 0);
        final Run run = decode(w.bytes());
        assertEquals(List.of(1L), run.published().stream().map(Published::pts).toList());
        assertEquals(1, run.framer.badRecords(Problem.VERSION));
        assertEquals(62 + 30, run.framer.bytesSkipped());
        assertTrue(run.reports.get(0).contains("unknown version at byte offset 0: record 1: version 0.2"),
            run.reports.get(0));

        final GdpFormatException ex = assertThrows(GdpFormatException.class,
            () -> Run.tight(true).feed(ChunkedChannel.whole(w.bytes())));
        assertEquals(Problem.VERSION, ex.problem());
        assertEquals(0, ex.offset());
    }

    @Test
    void badPayloadTypesAreSkipped() throws IOException
    {
        final GdpWriter w = new GdpWriter();
        final int[] types = {0, 3, 63};
        for (int i = 0; i < types.length; i++)
        {
            w.record(w.bufferHeader(10 + i, 0, NONE, 0).withType(types[i]), bytes(10 + i, i));
            w.buffer(bytes(5, 100 + i), i, NONE, 0);
        }
        final Run run = decode(w.bytes());
        assertEquals(List.of(0L, 1L, 2L), run.published().stream().map(Published::pts).toList());
        assertEquals(3, run.framer.badRecords(Problem.PAYLOAD_TYPE));
        assertEquals(3 * 62 + 10 + 11 + 12, run.framer.bytesSkipped());
        assertTrue(run.reports.get(1).contains("bad payload type at byte offset " + w.start(2) + ": record 3: type 3"),
            run.reports.get(1));
    }

    @Test
    void lengthOverTheMaximumIsSkippedByLengthWhenTheCrcVerifiesIt() throws IOException
    {
        final GdpWriter w = new GdpWriter()
            .buffer(bytes(1001, 1), 0, NONE, 0)
            .buffer(bytes(1000, 2), 1, NONE, 0);
        final Run run = new Run(false, 1000, 1, 0).feed(ChunkedChannel.random(w.bytes(), 5, 97));
        assertEquals(1, run.published().size());
        assertBuffer(run.published().get(0), bytes(1000, 2), BufferFlags.NONE, 1, MultiSocketSink.CLOCK_TIME_NONE);
        assertEquals(1, run.framer.badRecords(Problem.LENGTH));
        assertEquals(62 + 1001, run.framer.bytesSkipped());
        assertTrue(run.port.largestClaim < 1001 + 62, "the oversized payload is never held: " + run.port.largestClaim);
        assertTrue(run.reports.get(0).contains("absurd payload length at byte offset 0: record 1: 1001 bytes, over the" +
            " maximum of 1000"), run.reports.get(0));
    }

    @Test
    void defaultMaximumIs64MiBAndLengthIsUnsigned() throws IOException
    {
        assertEquals(64 << 20, GdpFramer.DEFAULT_MAX_PAYLOAD_BYTES);
        for (final long length : new long[] {(64 << 20) + 1, 0xFFFFFFFFL})
        {
            final GdpWriter w = new GdpWriter();
            w.record(w.bufferHeader(length, 0, NONE, 0), bytes(1000, 1)); // the payload is cut short
            final Run run = Run.tight(false).feed(ChunkedChannel.random(w.bytes(), 1, 300));
            assertEquals(1, run.framer.badRecords(Problem.LENGTH), "length " + length);
            assertEquals(1, run.framer.badRecords(), "a bad record cut short is counted once");
            assertEquals(62 + 1000, run.framer.bytesSkipped());
            assertEquals(0, run.published().size());
            assertTrue(run.reports.get(0).contains(length + " bytes, over the maximum of " + (64 << 20)), run.reports.get(0));
            assertTrue(run.port.largestClaim < 64 * 1024, "nothing of it is held: " + run.port.largestClaim);
        }
    }

    @Test
    void corruptHeaderWithAnAbsurdLengthIsResynchronised() throws IOException
    {
        final GdpWriter w = new GdpWriter()
            .buffer(bytes(100, 1), 0, NONE, 0)
            .buffer(bytes(120, 2), 1, NONE, GST_DELTA_UNIT)
            .buffer(bytes(140, 3), 2, NONE, GST_DELTA_UNIT)
            .buffer(bytes(160, 4), 3, NONE, GST_DELTA_UNIT);
        final byte[] stream = w.bytes();
        stream[w.start(1) + 6] = 0x7F; // length field now 0x7F000078; the CRC no longer matches
        final Run run = decode(stream);
        assertEquals(List.of(0L, 2L, 3L), run.published().stream().map(Published::pts).toList());
        assertEquals(1, run.framer.badRecords(Problem.HEADER_CRC));
        assertEquals(w.start(2) - w.start(1), run.framer.bytesSkipped());
        assertEquals(2, run.reports.size(), run.reports.toString());
        assertTrue(run.reports.get(0).contains("not verified by a CRC"), run.reports.get(0));
        assertEquals("gdp: resynchronised at byte offset " + w.start(2) + " after skipping " + (w.start(2) - w.start(1)) +
            " bytes", run.reports.get(1));
    }

    // ------------------------------------------------------------------------------------------
    // truncation
    // ------------------------------------------------------------------------------------------

    @Test
    void truncatedRecordIsReportedAndCountedOrFatalWhenStrict() throws IOException
    {
        final GdpWriter w = new GdpWriter()
            .buffer(bytes(100, 1), 0, NONE, 0)
            .buffer(bytes(100, 2), 1, NONE, 0)
            .event(EVENT_TAG, "GstTagList-stream, taglist=(taglist)\"taglist\";");
        final byte[] all = w.bytes();
        final int[] cuts = {w.start(1) + 30, w.start(1) + 62 + 5, w.start(2) + 62 + 3};
        final int[] cutRecord = {w.start(1), w.start(1), w.start(2)};
        final int[] complete = {1, 1, 2};
        for (int i = 0; i < cuts.length; i++)
        {
            final byte[] cut = Arrays.copyOf(all, cuts[i]);
            final Run run = decode(cut);
            assertEquals(complete[i], run.published().size(), "cut at " + cuts[i]);
            assertEquals(1, run.framer.badRecords(Problem.TRUNCATED));
            assertEquals(1, run.reports.size());
            assertTrue(run.reports.get(0).contains("truncated record at byte offset " + cutRecord[i]), run.reports.get(0));
            assertEquals(0, run.port.uncommitted());
            assertEquals(cut.length, run.port.consumed);

            final GdpFormatException ex = assertThrows(GdpFormatException.class,
                () -> Run.tight(true).feed(ChunkedChannel.oneByte(cut)));
            assertEquals(Problem.TRUNCATED, ex.problem());
            assertEquals(cutRecord[i], ex.offset());
        }
        final Run clean = decode(Arrays.copyOf(all, w.start(2)));
        assertEquals(0, clean.framer.badRecords());
        assertEquals(List.of(), clean.reports);
    }

    @Test
    void finishReportsARecordLeftIncompleteWithoutThrowing() throws IOException
    {
        final GdpWriter w = new GdpWriter().buffer(bytes(10, 1), 0, NONE, 0).buffer(bytes(10, 2), 1, NONE, 0);
        final byte[] all = w.bytes();
        final Run run = Run.tight(true);
        final ReadableByteChannel input = ChunkedChannel.oneByte(all);
        while (run.framer.bytesRead() < all.length - 4)
        {
            assertTrue(run.framer.pump(input));
        }
        run.framer.finish(); // the caller stops reading before the end
        assertEquals(1, run.published().size());
        assertEquals(1, run.framer.badRecords(Problem.TRUNCATED));
        assertTrue(run.reports.get(0).contains("truncated record at byte offset " + w.start(1) +
            ": record 2: input ended after 6 of the 10 payload bytes"), run.reports.get(0));
        run.framer.finish();
        assertEquals(1, run.framer.badRecords(), "finish is idempotent");
    }

    // ------------------------------------------------------------------------------------------
    // chunking, large records, fuzz
    // ------------------------------------------------------------------------------------------

    /** A mixed stream and what a sink must see of it: {@link #line} per buffer, "sh:HEX,HEX" per streamheader. */
    private record Mixed(byte[] stream, List<String> expected)
    {
    }

    private static Mixed mixedStream(final long seed, final int records, final int maxPayload)
    {
        final Random random = new Random(seed);
        final GdpWriter w = new GdpWriter().crc(random.nextInt(5) > 0, random.nextBoolean());
        final List<String> expected = new ArrayList<>();
        List<byte[]> header = List.of();
        boolean keyframePending = false;
        for (int i = 0; i < records; i++)
        {
            final int kind = random.nextInt(10);
            if (kind == 0)
            {
                final List<byte[]> next = new ArrayList<>();
                final int count = random.nextInt(3);
                for (int k = 0; k < count; k++)
                {
                    next.add(bytes(1 + random.nextInt(40), random.nextInt(4)));
                }
                w.caps(count == 0 ? MPEGTS_CAPS : streamheaderCaps(MPEGTS_CAPS, next.toArray(new byte[0][])));
                if (!next.stream().map(GdpWriter::toHex).toList().equals(header.stream().map(GdpWriter::toHex).toList()))
                {
                    expected.add("sh:" + String.join(",", next.stream().map(GdpWriter::toHex).toList()));
                    header = next;
                }
            }
            else if (kind == 1)
            {
                w.event(EVENT_TAG, random.nextBoolean() ? null : "t, n=(int)" + random.nextInt() + ";");
            }
            else
            {
                final boolean reuse = !header.isEmpty() && random.nextInt(4) == 0;
                final byte[] payload = reuse ? header.get(random.nextInt(header.size()))
                    : bytes(random.nextInt(maxPayload + 1), random.nextInt());
                final int gst = (random.nextBoolean() ? GST_DELTA_UNIT : 0) | (random.nextInt(3) == 0 ? GST_HEADER : 0);
                w.buffer(payload, random.nextBoolean() ? NONE : random.nextLong() & Long.MAX_VALUE, NONE, gst);
                final boolean dropped = (gst & GST_HEADER) != 0 && reuse;
                if (dropped)
                {
                    keyframePending |= (gst & GST_DELTA_UNIT) == 0; // docs/gdp.md §9: the mark moves to the next buffer
                }
                else
                {
                    expected.add(line(payload, keyframePending ? gst & ~GST_DELTA_UNIT : gst));
                    keyframePending = false;
                }
            }
        }
        return new Mixed(w.bytes(), expected);
    }

    /** A buffer in short: size, a hash of its bytes, GStreamer flags. */
    private static String line(final byte[] payload, final int gstFlags)
    {
        return "buf:" + payload.length + "#" + Integer.toHexString(Arrays.hashCode(payload)) + "/" + gstFlags;
    }

    private static List<String> seen(final RecordingPort port)
    {
        final List<String> lines = new ArrayList<>();
        for (final Object entry : port.log)
        {
            if (entry instanceof Published p)
            {
                final int gst = ((p.flags() & BufferFlags.DELTA_UNIT) != 0 ? GST_DELTA_UNIT : 0) |
                    ((p.flags() & BufferFlags.HEADER) != 0 ? GST_HEADER : 0);
                lines.add(line(p.bytes(), gst));
            }
            else
            {
                lines.add("sh:" + String.join(",",
                    ((RecordingPort.Streamheader)entry).buffers().stream().map(GdpWriter::toHex).toList()));
            }
        }
        return lines;
    }

    @Test
    void anySplittingOfTheInputGivesTheSameBuffers() throws IOException
    {
        for (long seed = 1; seed <= 4; seed++)
        {
            final Mixed mixed = mixedStream(seed, 120, 3000);
            final List<Run> runs = List.of(
                new Run(false, GdpFramer.DEFAULT_MAX_PAYLOAD_BYTES, GdpFramer.DEFAULT_READ_AHEAD, 0)
                    .feed(ChunkedChannel.whole(mixed.stream())),
                Run.tight(false).feed(ChunkedChannel.oneByte(mixed.stream())),
                Run.tight(false).feed(ChunkedChannel.random(mixed.stream(), seed, 200)),
                new Run(false, GdpFramer.DEFAULT_MAX_PAYLOAD_BYTES, 64, 100).feed(
                    ChunkedChannel.random(mixed.stream(), seed + 100, 5000)));
            for (final Run run : runs)
            {
                assertEquals(mixed.expected(), seen(run.port), "seed " + seed);
                assertEquals(0, run.framer.badRecords());
                assertEquals(List.of(), run.reports);
                assertEquals(mixed.stream().length, run.port.consumed);
            }
            assertTrue(runs.get(1).port.moves > 100, "held bytes moved between claims: " + runs.get(1).port.moves);
        }
    }

    @Test
    void recordLargerThanAnyDefaultIsHeldWhole() throws IOException
    {
        final byte[] big = bytes(3 << 20, 7); // over the sink's 1 MiB slabs and the 16 KiB read-ahead
        final GdpWriter w = new GdpWriter().crc(true, true)
            .buffer(bytes(10, 1), 0, NONE, 0)
            .buffer(big, SECOND, MS_40, GST_DELTA_UNIT)
            .buffer(bytes(10, 2), 2 * SECOND, NONE, GST_DELTA_UNIT);
        final Run run = new Run(false, GdpFramer.DEFAULT_MAX_PAYLOAD_BYTES, GdpFramer.DEFAULT_READ_AHEAD, 0)
            .feed(ChunkedChannel.random(w.bytes(), 3, 70_000));
        assertEquals(3, run.published().size());
        assertBuffer(run.published().get(1), big, BufferFlags.DELTA_UNIT, SECOND, MS_40);
        assertEquals(w.start(1) + 62, run.published().get(1).inputOffset());
        assertTrue(run.port.largestClaim >= big.length, "one claim held the whole record: " + run.port.largestClaim);
        assertEquals(0, run.framer.badRecords());
    }

    @Test
    void randomGarbageAndTruncationsNeverThrowAndEveryByteIsAccountedFor() throws IOException
    {
        final Random random = new Random(20240601L);
        int withBadRecords = 0;
        for (int round = 0; round < 300; round++)
        {
            final byte[] stream = mutate(mixedStream(random.nextLong(), 1 + random.nextInt(30), 700).stream(), random);
            final int readAhead = 1 + random.nextInt(2000);
            final Run run = new Run(false, 1000, readAhead, random.nextInt(50))
                .feed(ChunkedChannel.random(stream, random.nextLong(), 1 + random.nextInt(700)));
            final String where = "round " + round;
            assertEquals(0, run.port.uncommitted(), where);
            assertEquals(stream.length, run.framer.bytesRead(), where);
            assertEquals(stream.length, run.port.consumed, where);
            assertEquals(run.port.committed, run.framer.bytesRendered(), where);
            assertTrue(run.framer.bytesSkipped() <= run.port.discarded, where);
            for (final Published p : run.published())
            {
                assertArrayEquals(Arrays.copyOfRange(stream, (int)p.inputOffset(), (int)p.inputOffset() + p.bytes().length),
                    p.bytes(), where + ": a buffer is a slice of the input");
                assertTrue(p.bytes().length <= 1000, where);
            }
            assertTrue(run.framer.bytesSkipped() == 0 || !run.reports.isEmpty(), where + ": never silent");
            withBadRecords += run.framer.badRecords() > 0 ? 1 : 0;
        }
        assertTrue(withBadRecords > 150, "the mutations made bad records: " + withBadRecords);
    }

    /** Flips bytes, cuts the end, inserts garbage, lies in a length field, or replaces everything. */
    private static byte[] mutate(final byte[] stream, final Random random)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        switch (random.nextInt(5))
        {
            case 0 ->
            {
                final byte[] copy = stream.clone();
                for (int k = 1 + random.nextInt(5); k > 0 && copy.length > 0; k--)
                {
                    copy[random.nextInt(copy.length)] ^= (byte)(1 + random.nextInt(255));
                }
                return copy;
            }
            case 1 ->
            {
                return Arrays.copyOf(stream, random.nextInt(stream.length + 1));
            }
            case 2 ->
            {
                final int at = random.nextInt(stream.length + 1);
                out.write(stream, 0, at);
                out.writeBytes(bytes(1 + random.nextInt(300), random.nextInt()));
                out.write(stream, at, stream.length - at);
                return out.toByteArray();
            }
            case 3 ->
            {
                final byte[] copy = stream.clone();
                if (copy.length >= 10)
                {
                    ByteBuffer.wrap(copy).putInt(6, random.nextInt()); // the first record's length field
                }
                return copy;
            }
            default ->
            {
                return bytes(random.nextInt(5000), random.nextInt());
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // through a real sink
    // ------------------------------------------------------------------------------------------

    @Test
    void realSinkServesTheCapsStreamheaderThenTheData() throws IOException
    {
        final byte[] pat = tsPacket(0, 1, 30);
        final byte[] pmt = tsPacket(0x20, 1, 31);
        final byte[] keyframe = bytes(1_500_000, 32); // larger than a slab
        final byte[] delta = bytes(1000, 33);
        final GdpWriter w = new GdpWriter()
            .event(EVENT_STREAM_START, "GstEventStreamStart, stream-id=(string)s;")
            .caps(streamheaderCaps(MPEGTS_CAPS, pat, pmt))
            .buffer(pat, 0, NONE, GST_HEADER)
            .buffer(pmt, 0, NONE, GST_HEADER | GST_DELTA_UNIT)
            .buffer(keyframe, 0, NONE, 0)
            .buffer(delta, MS_40, MS_40, GST_DELTA_UNIT);
        final byte[] expected = concat(pat, pmt, keyframe, delta);
        final List<String> reports = new ArrayList<>();
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel server = listener.accept();
             MultiSocketSink sink = new MultiSocketSink(SinkConfig.defaults()))
        {
            sink.start();
            {
                sink.add(server);
                final GdpFramer framer = new GdpFramer(sink, true, reports::add);
                final ReadableByteChannel input = ChunkedChannel.random(w.bytes(), 9, 40_000);
                while (framer.pump(input))
                {
                    // one read per pump
                }
                framer.finish();
                assertEquals(2, framer.buffersRendered());
                assertEquals(2, framer.headerBuffersDropped());

                final ByteBuffer received = ByteBuffer.allocate(expected.length);
                while (received.hasRemaining())
                {
                    if (client.read(received) < 0)
                    {
                        break;
                    }
                }
                assertEquals(expected.length, received.position());
                assertArrayEquals(expected, received.array(), "streamheader, then the data without its header copies");
            }
        }
        assertEquals(List.of(), reports);
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
