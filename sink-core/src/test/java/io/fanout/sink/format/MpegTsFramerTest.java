package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.format.MpegTsFramer.KeyframePid;
import io.fanout.sink.format.RecordingFrameSink.Buffer;
import io.fanout.sink.format.RecordingFrameSink.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;

import static io.fanout.sink.format.TsStream.AAC;
import static io.fanout.sink.format.TsStream.AUDIO_PID;
import static io.fanout.sink.format.TsStream.H264;
import static io.fanout.sink.format.TsStream.PACKET;
import static io.fanout.sink.format.TsStream.PMT_PID;
import static io.fanout.sink.format.TsStream.VIDEO_PID;
import static io.fanout.sink.format.TsStream.garbageBytes;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MpegTsFramer on crafted transport streams, through a recording {@link ProducerPort} (every
 * buffer with its flags, every streamheader, in order) and once through a real MultiSocketSink
 * and a loopback client. Layouts are written as labels: "H pat pmt" is a streamheader, "K V* v"
 * a keyframe buffer and "D v v" a delta unit, each with the labels of its packets (see
 * {@link TsStream}).
 */
@Timeout(60)
class MpegTsFramerTest
{
    /** Reads as large as the framer asks for: the test streams fit in one. */
    private static final IntUnaryOperator WHOLE = read -> Integer.MAX_VALUE;
    /** A block size no test stream fills. */
    private static final int BIG = 64 * PACKET;

    /** One framer run: the framer, what it rendered, and its reports. */
    private record Run(MpegTsFramer framer, RecordingFrameSink sink, List<String> reports)
    {
        /** @return every streamheader ("H ...") and buffer ("K ..." or "D ..."), in order. */
        List<String> layout(final TsStream ts)
        {
            final List<String> r = new ArrayList<>();
            for (final Object event : sink.events())
            {
                if (event instanceof Header h)
                {
                    final ByteArrayOutputStream all = new ByteArrayOutputStream();
                    h.buffers().forEach(all::writeBytes);
                    r.add("H " + ts.labels(all.toByteArray()));
                }
                else
                {
                    final Buffer b = (Buffer)event;
                    r.add((BufferFlags.isKeyframe(b.flags()) ? "K " : "D ") + ts.labels(b.bytes()));
                }
            }
            return r;
        }
    }

    private static Run run(final TsStream ts, final int blocksize, final KeyframePid keyframePid,
        final IntUnaryOperator chunks) throws IOException
    {
        final byte[] input = ts.input();
        final RecordingFrameSink sink = new RecordingFrameSink();
        final List<String> reports = new ArrayList<>();
        final MpegTsFramer framer = new MpegTsFramer(sink, blocksize, keyframePid, reports::add);
        final ReadableByteChannel in = new ChunkedChannel(input, chunks);
        while (framer.pump(in))
        {
            // one read per pump
        }
        framer.finish();
        assertEquals(0, sink.uncommitted(), "finish() leaves nothing uncommitted");
        assertEquals(sink.buffers().size(), framer.buffersRendered(), "buffersRendered");
        assertEquals(sink.rendered().length, framer.bytesRendered(), "bytesRendered");
        assertEquals(sink.discarded(), framer.bytesSkipped(), "bytesSkipped is what was discarded");
        assertEquals(input.length, framer.bytesRendered() + framer.bytesSkipped(), "every input byte is accounted for");
        return new Run(framer, sink, reports);
    }

    private static Run run(final TsStream ts, final int blocksize, final KeyframePid keyframePid) throws IOException
    {
        return run(ts, blocksize, keyframePid, WHOLE);
    }

    // ------------------------------------------------------------------------------------------
    // buffer boundaries and keyframes
    // ------------------------------------------------------------------------------------------

    @Test
    void buffersEndBeforeARandomAccessPointAndWhenTheBlockIsFull() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).videos(9).video(true).video(false).audio(false).nul();
        final Run run = run(ts, 4 * PACKET + 100, KeyframePid.AUTO);
        assertEquals(List.of("H pat pmt", "K pat pmt", "K V* v v v", "D v v v v", "D v v", "K V* v a null"),
            run.layout(ts));
        assertArrayEquals(ts.published(), run.sink().rendered());
        assertEquals(List.of(), run.reports());
        assertEquals(0, run.framer().syncLosses());
    }

    @Test
    void theBlockSizeIsRoundedDownToWholePacketsAndIsAtLeastOnePacket() throws IOException
    {
        final TsStream ts = new TsStream().video(false).video(false).video(true).video(false).video(false);
        for (final int blocksize : new int[] {1, PACKET - 1, PACKET, 2 * PACKET - 1})
        {
            assertEquals(List.of("K v", "K v", "K V*", "K v", "K v"), run(ts, blocksize, KeyframePid.AUTO).layout(ts),
                "blocksize " + blocksize);
        }
        assertEquals(List.of("K v v", "K V* v", "K v"), run(ts, 3 * PACKET - 1, KeyframePid.AUTO).layout(ts));
    }

    @Test
    void theCompletePacketsOfEachReadAreRenderedAtOnce() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false).video(false).video(false);
        final int[] reads = {2 * PACKET + 50, 100, 38 + PACKET, 0, 10_000};
        final ChunkedChannel in = new ChunkedChannel(ts.input(), read -> reads[read]);
        final RecordingFrameSink sink = new RecordingFrameSink();
        final MpegTsFramer framer = new MpegTsFramer(sink, BIG, KeyframePid.AUTO, report -> fail(report));

        assertTrue(framer.pump(in));
        assertEquals(List.of("H pat pmt", "K pat pmt"), new Run(framer, sink, List.of()).layout(ts));
        assertEquals(50, sink.uncommitted(), "the partial packet waits");

        assertTrue(framer.pump(in));
        assertEquals(2, sink.events().size(), "still no complete packet");
        assertEquals(150, sink.uncommitted());

        assertTrue(framer.pump(in));
        assertEquals(List.of("H pat pmt", "K pat pmt", "K V* v"), new Run(framer, sink, List.of()).layout(ts));
        assertEquals(0, sink.uncommitted());

        assertTrue(framer.pump(in), "an empty read is not the end");
        assertEquals(3, sink.events().size());

        assertTrue(framer.pump(in));
        assertFalse(framer.pump(in), "end of input");
        framer.finish();
        assertEquals(List.of("H pat pmt", "K pat pmt", "K V* v", "D v v"), new Run(framer, sink, List.of()).layout(ts));
        assertEquals(4 * PACKET + 2 * PACKET, framer.bytesRendered());
        assertEquals(3, framer.buffersRendered());
    }

    static Stream<Arguments> keyframePids()
    {
        return Stream.of(
            Arguments.of("auto", List.of("H pat pmt", "K pat pmt A* v", "K V* a A* v v")),
            Arguments.of("256", List.of("H pat pmt", "D pat pmt A* v", "K V* a A* v v")),
            Arguments.of("any", List.of("H pat pmt", "D pat pmt", "K A* v", "K V* a", "K A* v v")),
            Arguments.of("0x101", List.of("H pat pmt", "D pat pmt", "K A* v V* a", "K A* v v")),
            Arguments.of("512", List.of("H pat pmt", "D pat pmt A* v V* a A* v v")));
    }

    @ParameterizedTest(name = "--keyframe-pid {0}")
    @MethodSource("keyframePids")
    void theKeyframePidChoosesWhichRandomAccessPointsCount(final String keyframePid, final List<String> layout)
        throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt()
            .audio(true).video(false).video(true).audio(false).audio(true).video(false).video(false);
        final Run run = run(ts, BIG, KeyframePid.parse(keyframePid));
        assertEquals(layout, run.layout(ts));
        assertArrayEquals(ts.published(), run.sink().rendered());
    }

    @Test
    void onlyTheRandomAccessIndicatorOfAnIntactPacketStartsAKeyframe() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true)
            .es("v~", VIDEO_PID, 0x10, 0)     // an adaptation field with a PCR and no random access
            .es("V!", VIDEO_PID, 0x50, 0x80)  // random access, but transport_error_indicator set
            .video(false).video(true);
        assertEquals(List.of("H pat pmt", "K pat pmt", "K V* v~ V! v", "K V*"), run(ts, BIG, KeyframePid.AUTO).layout(ts));
    }

    @Test
    void autoMakesEveryBufferAKeyframeWithoutAPmt() throws IOException
    {
        final TsStream ts = new TsStream().video(false).video(true).video(false).video(false).video(false);
        final Run run = run(ts, 2 * PACKET, KeyframePid.AUTO);
        assertEquals(List.of("K v V*", "K v v", "K v"), run.layout(ts), "no PID counts: blocks only, all keyframes");
        assertEquals(List.of("D v", "K V* v v v"), run(ts, BIG, KeyframePid.of(VIDEO_PID)).layout(ts),
            "an explicit PID needs no PMT");
    }

    @Test
    void autoMakesEveryBufferAKeyframeWhileThePmtHasNoVideo() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt("pmtA", PMT_PID, 0, AAC, AUDIO_PID)
            .audio(true).audio(false).audio(false).audio(true).audio(false)
            .pmt("pmtAV", PMT_PID, 1, AAC, AUDIO_PID, H264, VIDEO_PID)
            .video(false).video(true).video(false).audio(false).video(false).video(false);
        assertEquals(List.of("H pat pmtA", "K pat pmtA A*", "K a a A*", "H pat pmtAV", "K a pmtAV v", "K V* v a", "D v v"),
            run(ts, 3 * PACKET, KeyframePid.AUTO).layout(ts));
    }

    // ------------------------------------------------------------------------------------------
    // streamheader
    // ------------------------------------------------------------------------------------------

    @Test
    void theStreamheaderIsPatAndPmtSetBeforeTheirBufferAndAgainOnlyWhenOneChanges() throws IOException
    {
        final byte[] pmt2 = TsStream.pmtSection(1, H264, VIDEO_PID, AAC, AUDIO_PID, AAC, 0x102);
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false)
            .pat().pmt()                              // repetitions: only the continuity counters differ
            .video(false)
            .psi("pmt2", PMT_PID, pmt2, 10, 3)        // a new version, after an adaptation field and a pointer_field
            .video(false).video(true)
            .pat("pat2", 2, PMT_PID)                  // a new transport_stream_id
            .video(false);

        final Run whole = run(ts, BIG, KeyframePid.AUTO);
        assertEquals(List.of("H pat pmt", "K pat pmt", "H pat pmt2", "K V* v pat pmt v pmt2 v", "H pat2 pmt2", "K V* pat2 v"),
            whole.layout(ts));
        final List<List<byte[]>> expected = List.of(List.of(ts.first("pat"), ts.first("pmt")),
            List.of(ts.first("pat"), ts.first("pmt2")), List.of(ts.first("pat2"), ts.first("pmt2")));
        assertHeaders(expected, whole);

        final Run bytewise = run(ts, BIG, KeyframePid.AUTO, read -> 1);
        assertEquals(List.of("K pat", "H pat pmt", "K pmt", "K V*", "D v", "D pat", "D pmt", "D v", "H pat pmt2", "D pmt2",
            "D v", "K V*", "H pat2 pmt2", "D pat2", "D v"), bytewise.layout(ts), "one buffer per packet, each header "
            + "right before the packet that changed it");
        assertHeaders(expected, bytewise);
    }

    private static void assertHeaders(final List<List<byte[]>> expected, final Run run)
    {
        final List<Header> headers = run.sink().headers();
        assertEquals(expected.size(), headers.size(), "streamheaders set");
        for (int i = 0; i < expected.size(); i++)
        {
            assertEquals(2, headers.get(i).buffers().size());
            assertArrayEquals(expected.get(i).get(0), headers.get(i).buffers().get(0), "PAT of streamheader " + i);
            assertArrayEquals(expected.get(i).get(1), headers.get(i).buffers().get(1), "PMT of streamheader " + i);
        }
    }

    @Test
    void whenThePatMovesTheProgramTheStreamheaderWaitsForItsPmt() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false)
            .pat("patB", 1, 0x30)
            .pmt()                                                     // the old PID: no longer a PMT
            .video(false)
            .pmt("pmtB", 0x30, 0, H264, VIDEO_PID, AAC, AUDIO_PID)
            .video(false);
        final Run run = run(ts, BIG, KeyframePid.AUTO);
        assertEquals(List.of("H pat pmt", "K pat pmt", "H patB pmtB", "K V* v patB pmt v pmtB v"), run.layout(ts));
        assertHeaders(List.of(List.of(ts.first("pat"), ts.first("pmt")), List.of(ts.first("patB"), ts.first("pmtB"))), run);
    }

    @Test
    void sectionsWithABadCrcAreIgnoredCountedAndReportedOncePerRun() throws IOException
    {
        final byte[] pmt2 = TsStream.pmtSection(1, H264, VIDEO_PID, AAC, AUDIO_PID, AAC, 0x102);
        final int crcEnd = 5 + pmt2.length - 1; // header, pointer_field, section
        final TsStream ts = new TsStream().pat().pmt().video(true)
            .psi("bad", PMT_PID, pmt2, 0, 0).editLast("bad", p -> p[crcEnd] ^= 1)
            .video(false)
            .psi("bad", PMT_PID, pmt2, 0, 0).editLast("bad", p -> p[crcEnd] ^= 1)
            .video(false)
            .psi("pmt2", PMT_PID, pmt2, 0, 0)
            .video(false)
            .psi("bad", PMT_PID, pmt2, 0, 0).editLast("bad", p -> p[crcEnd] ^= 2)
            .video(false);
        final Run run = run(ts, BIG, KeyframePid.AUTO);
        assertEquals(List.of("H pat pmt", "K pat pmt", "H pat pmt2", "K V* bad v bad v pmt2 v bad v"), run.layout(ts));
        assertEquals(3, run.framer().sectionsRejected());
        final List<Integer> bad = ts.inputOffsets("bad");
        assertEquals(List.of("mpegts: ignored a PMT with a bad CRC or header at input byte " + bad.get(0),
            "mpegts: ignored a PMT with a bad CRC or header at input byte " + bad.get(2)), run.reports());
        assertArrayEquals(ts.published(), run.sink().rendered(), "bad sections are still data");
    }

    @Test
    void aSectionThatSpansPacketsIsNotRead() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true)
            .psi("long", PMT_PID, TsStream.pmtSection(1, AAC, AUDIO_PID), 0, 0)
            .editLast("long", p -> p[7] = (byte)200) // section_length 200: goes on in the next packet
            .video(false);
        final Run run = run(ts, BIG, KeyframePid.AUTO);
        assertEquals(List.of("H pat pmt", "K pat pmt", "K V* long v"), run.layout(ts));
        assertEquals(0, run.framer().sectionsRejected());
        assertEquals(List.of(), run.reports());
    }

    // ------------------------------------------------------------------------------------------
    // lost sync and truncated input
    // ------------------------------------------------------------------------------------------

    static Stream<Arguments> garbage()
    {
        final int[] every100 = {100, 200, 300, 400, 500, 600, 700, 800, 900};
        return Stream.of(
            Arguments.of("1 byte", new byte[] {0}),
            Arguments.of("5 bytes", garbageBytes(5)),
            Arguments.of("187 bytes with a 0x47", garbageBytes(187, 10)),
            Arguments.of("188 bytes with two 0x47", garbageBytes(188, 1, 187)),
            Arguments.of("189 bytes with a 0x47", garbageBytes(189, 50)),
            Arguments.of("400 bytes with two 0x47 a packet apart", garbageBytes(400, 5, 5 + PACKET)),
            Arguments.of("1000 bytes with a 0x47 every 100", garbageBytes(1000, every100)),
            Arguments.of("300 zero bytes", new byte[300]));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void lostSyncIsCountedOnceReportedAndEveryPacketAfterItIsRendered(final String name, final byte[] garbage)
        throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false).video(false)
            .garbage(garbage).video(false).video(false).video(true).video(false).video(false).video(false);
        assertNoFalseSync(ts);
        for (final int chunk : new int[] {1, 2, 100, 187, 188, 189, 1000, Integer.MAX_VALUE})
        {
            final Run run = run(ts, 3 * PACKET, KeyframePid.AUTO, read -> chunk);
            final String where = name + ", reads of " + chunk;
            assertAll(where,
                () -> assertArrayEquals(ts.published(), run.sink().rendered()),
                () -> assertEquals(1, run.framer().syncLosses()),
                () -> assertEquals(garbage.length, run.framer().bytesSkipped()),
                () -> assertEquals(List.of("mpegts: lost sync at input byte " + 5 * PACKET + ", skipped " + garbage.length +
                    " bytes"), run.reports()),
                () -> assertEquals(2, run.layout(ts).stream().filter(b -> b.startsWith("K V*")).count(),
                    "the keyframe after the loss: " + run.layout(ts)));
        }
    }

    /**
     * Test data check: no 0x47 in the garbage lines up with sync bytes a packet and two packets on
     * (that would be a sync the framer rightly takes), and no garbage starts with one.
     */
    private static void assertNoFalseSync(final TsStream ts)
    {
        final byte[] input = ts.input();
        for (final int[] range : ts.garbageRanges())
        {
            assertNotEquals(0x47, input[range[0]], "garbage starting with 0x47 is a packet start");
            for (int j = range[0]; j < range[0] + range[1]; j++)
            {
                assertFalse(input[j] == 0x47 && j + PACKET < input.length && input[j + PACKET] == 0x47 &&
                    (j + 2 * PACKET >= input.length || input[j + 2 * PACKET] == 0x47), "test data: a false sync at " + j);
            }
        }
    }

    @Test
    void syncIsFoundAfterBytesThatStartTheInputAndEachBurstIsOneLoss() throws IOException
    {
        final byte[] tail = garbageBytes(150);
        final TsStream ts = new TsStream().garbage(tail).pat().pmt().video(true).video(false).video(false)
            .garbage(garbageBytes(50, 3)).video(false).video(false).video(false)
            .garbage(garbageBytes(300, 40, 40 + PACKET)).video(false).video(true).video(false);
        assertNoFalseSync(ts);
        for (final int chunk : new int[] {1, 77, Integer.MAX_VALUE})
        {
            final Run run = run(ts, BIG, KeyframePid.AUTO, read -> chunk);
            final List<Integer> at = ts.inputOffsets("garbage");
            assertEquals(List.of("mpegts: lost sync at input byte " + at.get(0) + ", skipped 150 bytes",
                "mpegts: lost sync at input byte " + at.get(1) + ", skipped 50 bytes",
                "mpegts: lost sync at input byte " + at.get(2) + ", skipped 300 bytes"), run.reports(), "reads of " + chunk);
            assertEquals(3, run.framer().syncLosses());
            assertEquals(500, run.framer().bytesSkipped());
            assertArrayEquals(ts.published(), run.sink().rendered());
        }
        assertEquals(List.of("H pat pmt", "K pat pmt", "K V* v v", "D v v v", "D v", "K V* v"),
            run(ts, BIG, KeyframePid.AUTO).layout(ts), "a loss ends the buffer");
    }

    @Test
    void aPacketCutShortInTheMiddleCostsOneBadPacketAndOneLoss() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false)
            .partial(100).video(false).video(false).video(false).video(false);
        final byte[] input = ts.input();
        final int g = 4 * PACKET;
        // in sync, the cut packet's sync byte is trusted: it and the next packet's first 88 bytes go
        // out as one packet, the loss is seen where the next packet should start, and the rest of
        // that packet is skipped
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(input, 0, g + PACKET);
        expected.write(input, g + 100 + PACKET, input.length - (g + 100 + PACKET));
        for (final int chunk : new int[] {1, 200, Integer.MAX_VALUE})
        {
            final Run run = run(ts, BIG, KeyframePid.AUTO, read -> chunk);
            assertArrayEquals(expected.toByteArray(), run.sink().rendered(), "reads of " + chunk);
            assertEquals(List.of("mpegts: lost sync at input byte " + (g + PACKET) + ", skipped 100 bytes"), run.reports());
            assertEquals(1, run.framer().syncLosses());
        }
    }

    @Test
    void withoutSyncBeforeTheEndEverythingAfterTheLossIsSkippedAndReported() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false).garbage(garbageBytes(500, 250, 400));
        assertNoFalseSync(ts);
        for (final int chunk : new int[] {1, 300, Integer.MAX_VALUE})
        {
            final Run run = run(ts, BIG, KeyframePid.AUTO, read -> chunk);
            assertEquals(List.of("mpegts: lost sync at input byte 752, skipped 500 bytes (no sync before end of input)"),
                run.reports(), "reads of " + chunk);
            assertEquals(1, run.framer().syncLosses());
            assertArrayEquals(ts.published(), run.sink().rendered());
        }
    }

    @Test
    void atTheEndOfInputOnePacketIsEnoughToRegainSync() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false).garbage(garbageBytes(60)).video(false);
        final TsStream truncated = new TsStream().pat().pmt().video(true).video(false).garbage(garbageBytes(60))
            .video(false).partial(100);
        for (final int chunk : new int[] {1, 300, Integer.MAX_VALUE})
        {
            final Run run = run(ts, BIG, KeyframePid.AUTO, read -> chunk);
            assertEquals(List.of("mpegts: lost sync at input byte 752, skipped 60 bytes"), run.reports());
            assertArrayEquals(ts.published(), run.sink().rendered(), "reads of " + chunk);

            final Run cut = run(truncated, BIG, KeyframePid.AUTO, read -> chunk);
            assertEquals(List.of("mpegts: lost sync at input byte 752, skipped 60 bytes",
                "mpegts: truncated packet at input byte 1000 (end of input), skipped 100 bytes"), cut.reports());
            assertArrayEquals(truncated.published(), cut.sink().rendered(), "reads of " + chunk);
            assertEquals(160, cut.framer().bytesSkipped());
        }
    }

    @Test
    void finishDiscardsCountsAndReportsAPartialLastPacket() throws IOException
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).video(false).partial(100);
        for (final int chunk : new int[] {1, 50, Integer.MAX_VALUE})
        {
            final Run run = run(ts, BIG, KeyframePid.AUTO, read -> chunk);
            assertEquals(List.of("mpegts: truncated packet at input byte 752 (end of input), skipped 100 bytes"),
                run.reports(), "reads of " + chunk);
            assertEquals(100, run.framer().bytesSkipped());
            assertEquals(0, run.framer().syncLosses());
            assertArrayEquals(ts.published(), run.sink().rendered());
        }
    }

    // ------------------------------------------------------------------------------------------
    // any split of the input
    // ------------------------------------------------------------------------------------------

    /** Everything at once: PSI changes, random access, audio, null packets, two bursts of garbage, a cut end. */
    private static TsStream everything()
    {
        return new TsStream().pat().pmt().video(true).videos(6).audio(false).nul().audio(true)
            .garbage(garbageBytes(150, 7, 120)).video(false).video(false).video(true).videos(5)
            .pat().pmt().video(false)
            .pmt("pmt2", PMT_PID, 1, H264, VIDEO_PID, AAC, AUDIO_PID, AAC, 0x102)
            .audio(false).video(true).videos(10)
            .garbage(garbageBytes(3)).video(false).video(false).video(true).video(false).video(false)
            .pat("pat2", 2, PMT_PID).videos(3)
            .partial(77);
    }

    @Test
    void everySplitOfTheInputIsFramedTheSame() throws IOException
    {
        final TsStream ts = everything();
        final int blocksize = 5 * PACKET + 17;
        assertNoFalseSync(ts);
        final Run reference = run(ts, blocksize, KeyframePid.AUTO);
        assertFramed(ts, reference, reference, 5 * PACKET);
        assertEquals(2 + 1, reference.reports().size(), "two losses and a truncated end: " + reference.reports());
        for (int chunk = 1; chunk <= 400; chunk++)
        {
            final int c = chunk;
            assertFramed(ts, reference, run(ts, blocksize, KeyframePid.AUTO, read -> c), 5 * PACKET);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomSplitsAndEmptyReadsAreFramedTheSame(final long seed) throws IOException
    {
        final TsStream ts = everything();
        final Run reference = run(ts, 3 * PACKET, KeyframePid.AUTO);
        final Random random = new Random(seed);
        for (int i = 0; i < 20; i++)
        {
            final Run run = run(ts, 3 * PACKET, KeyframePid.AUTO, read -> random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(600));
            assertFramed(ts, reference, run, 3 * PACKET);
        }
    }

    /**
     * {@code run} rendered what {@code reference} did (bytes, streamheaders, counters, reports), in
     * buffers that obey the rules whatever the reads were: whole packets, at most a block, a
     * keyframe buffer starting at each video random access point and nowhere else once the PMT
     * is known (before it, keyframes only), and each streamheader set right before the buffer
     * that holds the packet that changed it.
     */
    private static void assertFramed(final TsStream ts, final Run reference, final Run run, final int blockBytes)
    {
        assertArrayEquals(ts.published(), run.sink().rendered(), "rendered bytes");
        assertEquals(reference.reports(), run.reports());
        assertEquals(reference.framer().syncLosses(), run.framer().syncLosses());
        assertEquals(reference.framer().bytesSkipped(), run.framer().bytesSkipped());
        assertEquals(reference.framer().sectionsRejected(), run.framer().sectionsRejected());
        final List<List<byte[]>> expectedHeaders = new ArrayList<>();
        reference.sink().headers().forEach(h -> expectedHeaders.add(h.buffers()));
        assertHeaders(expectedHeaders, run);

        final int videoKnown = ts.publishedOffsets("pmt").get(0);
        final Set<Integer> randomAccess = new HashSet<>(ts.publishedOffsets("V*"));
        final List<Integer> triggers = List.of(videoKnown, ts.publishedOffsets("pmt2").get(0),
            ts.publishedOffsets("pat2").get(0));
        int offset = 0;
        int headers = 0;
        int trigger = -1;
        for (final Object event : run.sink().events())
        {
            if (event instanceof Header)
            {
                trigger = triggers.get(headers++);
                continue;
            }
            final Buffer b = (Buffer)event;
            final int end = offset + b.bytes().length;
            final String where = "buffer at " + offset + ".." + end;
            assertTrue(b.bytes().length > 0 && b.bytes().length % PACKET == 0 && b.bytes().length <= blockBytes, where);
            if (trigger >= 0)
            {
                assertTrue(offset <= trigger && trigger < end, where + " holds the packet at " + trigger);
                trigger = -1;
            }
            assertEquals(offset <= videoKnown || randomAccess.contains(offset), BufferFlags.isKeyframe(b.flags()), where);
            for (int p = offset + PACKET; p < end; p += PACKET)
            {
                assertFalse(randomAccess.contains(p), where + " goes on past a random access point at " + p);
            }
            offset = end;
        }
        assertEquals(triggers.size(), headers, "streamheaders");
    }

    // ------------------------------------------------------------------------------------------
    // the API
    // ------------------------------------------------------------------------------------------

    @Test
    void keyframePidParsesAutoAnyAndPids()
    {
        assertSame(KeyframePid.AUTO, KeyframePid.parse("auto"));
        assertSame(KeyframePid.AUTO, KeyframePid.parse("AUTO"));
        assertSame(KeyframePid.ANY, KeyframePid.parse("any"));
        assertEquals(KeyframePid.of(0), KeyframePid.parse("0"));
        assertEquals(KeyframePid.of(256), KeyframePid.parse("256"));
        assertEquals(KeyframePid.of(256), KeyframePid.parse("0x100"));
        assertEquals(KeyframePid.of(8190), KeyframePid.parse("8190"));
        assertEquals(KeyframePid.of(8190), KeyframePid.parse("0X1FFE"));
        assertEquals(256, KeyframePid.parse("256").pid());
        assertEquals(-1, KeyframePid.AUTO.pid());
        assertTrue(KeyframePid.AUTO.isAuto() && !KeyframePid.AUTO.isAny());
        assertTrue(KeyframePid.ANY.isAny() && !KeyframePid.ANY.isAuto());
        assertFalse(KeyframePid.of(0).isAuto() || KeyframePid.of(0).isAny());
        for (final KeyframePid k : List.of(KeyframePid.AUTO, KeyframePid.ANY, KeyframePid.of(0), KeyframePid.of(8190)))
        {
            assertEquals(k, KeyframePid.parse(k.toString()), "toString is what parse reads");
        }
        assertNotEquals(KeyframePid.AUTO, KeyframePid.ANY);
        assertThrows(IllegalArgumentException.class, () -> KeyframePid.parse(null));
        assertThrows(IllegalArgumentException.class, () -> KeyframePid.of(-1));
        assertEquals("keyframe PID 8191 is out of range 0..8190",
            assertThrows(IllegalArgumentException.class, () -> KeyframePid.of(8191)).getMessage());
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"8191", "0x1fff", "-1", "+5", "", "0x", "1.5", "ten", " 5", "5 ", "99999999999", "0x-5",
        "autox", "video"})
    void keyframePidRejectsAnythingElseSayingWhatItAccepts(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> KeyframePid.parse(text));
        assertEquals("keyframe PID \"" + text + "\" must be auto, any or a PID 0..8190 (decimal, or hex with 0x)",
            ex.getMessage());
    }

    @Test
    void theConstructorChecksItsArguments()
    {
        final RecordingFrameSink sink = new RecordingFrameSink();
        assertEquals("blocksize = 0 must be >= 1", assertThrows(IllegalArgumentException.class,
            () -> new MpegTsFramer(sink, 0, KeyframePid.AUTO, r -> { })).getMessage());
        assertThrows(NullPointerException.class, () -> new MpegTsFramer(sink, BIG, null, r -> { }));
        assertThrows(NullPointerException.class, () -> new MpegTsFramer(sink, BIG, KeyframePid.AUTO, null));
        assertThrows(NullPointerException.class, () -> new MpegTsFramer((MultiSocketSink)null, BIG, KeyframePid.AUTO,
            r -> { }));
        assertEquals(21 * PACKET, MpegTsFramer.DEFAULT_BLOCKSIZE);
    }

    @Test
    void theCrcIsCrc32Mpeg2()
    {
        final byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0x0376E6E7, MpegTsFramer.crc32(ByteBuffer.wrap(check), 0, check.length));
    }

    // ------------------------------------------------------------------------------------------
    // through a real sink
    // ------------------------------------------------------------------------------------------

    @Test
    @Timeout(20)
    void aRealSinkSendsAClientTheStreamheaderAndThenEveryPacket() throws Exception
    {
        final TsStream ts = new TsStream().pat().pmt().video(true).videos(4).audio(false).nul().video(true).video(false)
            .garbage(garbageBytes(50)).video(false).video(false).video(true).partial(50);
        final MultiSocketSink sink = new MultiSocketSink(SinkConfig.defaults());
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress()))
        {
            final SocketChannel server = listener.accept();
            try
            {
                sink.start();
                sink.add(server);
                final List<String> reports = new ArrayList<>();
                final MpegTsFramer framer = new MpegTsFramer(sink, 3 * PACKET, KeyframePid.AUTO, reports::add);
                // the first read holds PAT and PMT: the streamheader is set before the first buffer
                final ReadableByteChannel in = new ChunkedChannel(ts.input(), read -> 400);
                while (framer.pump(in))
                {
                    // one read per pump
                }
                framer.finish();
                assertTrue(sink.drain(TimeUnit.SECONDS.toNanos(8)), "drained");
                sink.close();
                server.close(); // the client reads what was sent, then the end
                final ByteArrayOutputStream expected = new ByteArrayOutputStream();
                expected.writeBytes(ts.first("pat"));
                expected.writeBytes(ts.first("pmt"));
                expected.writeBytes(ts.published());
                assertArrayEquals(expected.toByteArray(), Channels.newInputStream(client).readAllBytes(),
                    "the streamheader, then every packet, then the end");
                assertEquals(ts.published().length, framer.bytesRendered());
                assertEquals(100, framer.bytesSkipped());
                assertEquals(2, reports.size(), "a loss and a truncated end: " + reports);
            }
            finally
            {
                sink.close();
                server.close();
            }
        }
    }
}
