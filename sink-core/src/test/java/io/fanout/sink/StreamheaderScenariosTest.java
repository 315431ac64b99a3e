package io.fanout.sink;

import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Loopback;
import io.fanout.sink.TestSupport.Pair;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.fanout.sink.TestSupport.ascii;
import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.fixedPayloads;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streamheaders over loopback sockets: the upstream scenarios of docs/semantics.md §7, resend-streamheader,
 * header changes ordered with the data (docs/semantics.md A.2.4: a lagging client gets the header that was current
 * for each buffer, never a newer header in front of older data), and the statistics.
 * <p>
 * Every test ends with a marker buffer: the stream must then be exactly what is expected followed by
 * the marker, which proves no extra byte (a repeated header, a swallowed HEADER buffer) was sent.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StreamheaderScenariosTest extends LoopbackSinkTest
{
    private static final long NONE = MultiSocketSink.CLOCK_TIME_NONE;


    private static ByteBuffer buf(final String text)
    {
        return ByteBuffer.wrap(ascii(text));
    }

    /** Renders {@code text} as a keyframe data buffer. */
    private void data(final String text)
    {
        sink.render(buf(text), BufferFlags.NONE, NONE, NONE);
    }

    /** Sets the streamheader and renders HEADER-flagged copies of its buffers, as a GStreamer source would. */
    private void header(final String... parts)
    {
        final ByteBuffer[] buffers = new ByteBuffer[parts.length];
        for (int i = 0; i < parts.length; i++)
        {
            buffers[i] = buf(parts[i]);
        }
        sink.setStreamheader(buffers);
        for (final String part : parts)
        {
            sink.render(buf(part), BufferFlags.HEADER, NONE, NONE); // docs/semantics.md §4.1: swallowed
        }
    }

    private record Client(Pair pair, StreamReader reader)
    {
        void expect(final String text, final String what)
        {
            reader.awaitExactly(ascii(text), what);
        }
    }

    /** Adds a client with add() and waits for its clientAdded. */
    private Client addClient(final String name) throws IOException
    {
        final Pair pair = loopback.pair();
        final StreamReader reader = loopback.reader(pair, name);
        sink.add(pair.server());
        events.awaitAdded(pair.server());
        return new Client(pair, reader);
    }

    /**
     * The first upstream scenario of docs/semantics.md §7: client 1 is added, the streamheader babe+deadbeef is set
     * (and its HEADER buffers rendered), then f00d; client 2 is added, then deaf.
     */
    private Client[] firstHeaderScenario() throws IOException
    {
        final Client c1 = addClient("sh-1");
        header("babe", "deadbeef");
        data("f00d");
        c1.expect("babedeadbeeff00d", "client 1: the streamheader, then f00d (HEADER copies swallowed)");

        final Client c2 = addClient("sh-2");
        data("deaf");
        c1.expect("babedeadbeeff00ddeaf", "client 1: deaf, without the header again");
        c2.expect("babedeadbeefdeaf", "client 2: the streamheader before its first buffer deaf");
        return new Client[] {c1, c2};
    }

    // ------------------------------------------------------------------------------------------
    // docs/semantics.md §7 upstream
    // ------------------------------------------------------------------------------------------

    @Test
    void firstStreamheaderGoesBeforeEachClientsFirstBuffer() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Client[] c = firstHeaderScenario();
        data("cafe");
        c[0].expect("babedeadbeeff00ddeafcafe", "client 1: then the marker cafe only");
        c[1].expect("babedeadbeefdeafcafe", "client 2: then the marker cafe only");
        // the HEADER-flagged copies were not data: only f00d, deaf, cafe were rendered
        assertEquals(12L, sink.stats().bytesToServe(), "bytes-to-serve excludes streamheaders and swallowed buffers");
    }

    @Test
    void changedStreamheaderIsResentToEveryClientBeforeTheNextBuffer() throws Exception
    {
        startSink(SinkConfig.defaults()); // resend-streamheader defaults to true
        assertTrue(sink.config().resendStreamheader(), "resend-streamheader default");
        final Client[] c = firstHeaderScenario();

        header("new1", "new2");
        data("beef");
        c[0].expect("babedeadbeeff00ddeafnew1new2beef", "client 1: the new header, then beef");
        c[1].expect("babedeadbeefdeafnew1new2beef", "client 2: the new header, then beef");

        data("cafe");
        c[0].expect("babedeadbeeff00ddeafnew1new2beefcafe", "client 1: then the marker only");
        c[1].expect("babedeadbeefdeafnew1new2beefcafe", "client 2: then the marker only");
    }

    @Test
    void withoutResendAConnectedClientKeepsItsHeaderAndANewClientGetsTheNewOne() throws Exception
    {
        startSink(SinkConfig.builder().resendStreamheader(false).build());
        final Client c1 = addClient("noresend-1");
        header("babe", "deadbeef");
        data("f00d");
        c1.expect("babedeadbeeff00d", "client 1: the first header is sent even without resend");

        header("new1", "new2");
        data("beef");
        c1.expect("babedeadbeeff00dbeef", "client 1: no new header without resend-streamheader");

        final Client c2 = addClient("noresend-2");
        data("deaf");
        c2.expect("new1new2deaf", "client 2: the current header before its first buffer");
        c1.expect("babedeadbeeff00dbeefdeaf", "client 1: data only");

        data("cafe");
        c1.expect("babedeadbeeff00dbeefdeafcafe", "client 1: then the marker only");
        c2.expect("new1new2deafcafe", "client 2: then the marker only");
    }

    @Test
    void aChangeToEqualBytesSendsNothing() throws Exception
    {
        // docs/semantics.md §7: equal arrays (a new header object with the same bytes) send nothing, even with resend
        startSink(SinkConfig.defaults());
        final Client c1 = addClient("equal");
        header("babe", "deadbeef");
        data("f00d");
        header("babe", "deadbeef");
        data("beef");
        c1.expect("babedeadbeeff00dbeef", "no resend of an identical header");
        data("cafe");
        c1.expect("babedeadbeeff00dbeefcafe", "then the marker only");
    }

    @Test
    void aHeaderAfterAClearedOneCountsAsFirstEvenWithoutResend() throws Exception
    {
        // docs/semantics.md §7: with no current streamheader the recorded one becomes none, and the next counts as first
        startSink(SinkConfig.builder().resendStreamheader(false).build());
        final Client c1 = addClient("cleared");
        header("babe");
        data("f00d");
        sink.setStreamheader(); // cleared
        data("beef");
        header("new1");
        data("deaf");
        c1.expect("babef00dbeefnew1deaf", "the header after a cleared one is sent as a first header");
        data("cafe");
        c1.expect("babef00dbeefnew1deafcafe", "then the marker only");
    }

    @Test
    void headerFlaggedBuffersThatAreNotTheStreamheaderAreData() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Client c1 = addClient("header-data");
        sink.render(buf("abad"), BufferFlags.HEADER, NONE, NONE); // no streamheader yet: data
        sink.setStreamheader(buf("babe"));
        sink.render(buf("babe"), BufferFlags.HEADER, NONE, NONE); // the streamheader: swallowed
        sink.render(buf("c0de"), BufferFlags.HEADER, NONE, NONE); // not the streamheader: data
        sink.render(buf("babe"), BufferFlags.NONE, NONE, NONE);   // not flagged HEADER: data
        // abad (no header yet), then the header babe before c0de, its first buffer under it
        c1.expect("abadbabec0debabe", "HEADER buffers other than the streamheader are data");
        data("cafe");
        c1.expect("abadbabec0debabecafe", "then the marker only");
        assertEquals(16L, sink.stats().bytesToServe(), "abad, c0de, babe and the marker: the swallowed copy is not data");
    }

    // ------------------------------------------------------------------------------------------
    // docs/semantics.md A.2.4: headers ordered with the data
    // ------------------------------------------------------------------------------------------

    @Test
    void laggingClientGetsEachHeaderRightBeforeTheDataRenderedUnderIt() throws Exception
    {
        startSink(SinkConfig.defaults());
        // small socket buffers and no reader yet: the client lags far behind
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        header("HDR1-a", "HDR1-b");
        expected.writeBytes(ascii("HDR1-aHDR1-b"));
        long oldBytes = 0;
        for (final byte[] payload : fixedPayloads(42, 64, 16 * 1024)) // 1 MiB under HDR1
        {
            sink.render(ByteBuffer.wrap(payload), BufferFlags.NONE, NONE, NONE);
            expected.writeBytes(payload);
            oldBytes += payload.length;
        }
        final long oldTotal = 12 + oldBytes;
        // the client has started and cannot take the 1 MiB through its small socket buffers
        await(() ->
        {
            final ClientStats s = sink.getStats(pair.server());
            return s.bytesSent() > 0 && s.lagBytes() > 0;
        }, () -> "the client to start and lag; stats " + sink.getStats(pair.server()));

        header("HDR2");
        data("mid1");
        data("mid2");
        expected.writeBytes(ascii("HDR2mid1mid2"));
        header("HDR3-x", "HDR3-y");
        data("new1");
        expected.writeBytes(ascii("HDR3-xHDR3-ynew1"));

        final ClientStats lagging = sink.getStats(pair.server());
        assertTrue(lagging.bytesSent() < oldTotal,
            "the client must still be inside the old data when the headers change; sent " + lagging.bytesSent());

        final StreamReader reader = loopback.reader(pair, "lagging");
        reader.awaitExactly(expected.toByteArray(),
            "A.2.4: old data without the new headers in front; each header right before its first buffer");
        data("tail");
        expected.writeBytes(ascii("tail"));
        reader.awaitExactly(expected.toByteArray(), "then the marker only");
        assertEquals(expected.size(), sink.getStats(pair.server()).bytesSent(), "bytes-sent, headers included");
    }

    @Test
    void largeHeadersAreWrittenWholeThroughPartialWrites() throws Exception
    {
        // headers far larger than the socket buffers: each is written over many partial writes,
        // and a change while the client is inside the first header still orders both with the data
        startSink(SinkConfig.defaults());
        final Pair pair = loopback.pair(4096, 4096);
        sink.add(pair.server());
        events.awaitAdded(pair.server());

        final List<byte[]> big = fixedPayloads(7, 6, 150 * 1024);
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        sink.setStreamheader(ByteBuffer.wrap(big.get(0)), ByteBuffer.wrap(new byte[] {42}), ByteBuffer.wrap(big.get(1)));
        expected.writeBytes(big.get(0));
        expected.write(42);
        expected.writeBytes(big.get(1));
        for (int i = 0; i < 3; i++)
        {
            final String d = "data-one-" + i;
            data(d);
            expected.writeBytes(ascii(d));
        }
        await(() -> sink.getStats(pair.server()).bytesSent() > 0, () -> "the client to start");

        sink.setStreamheader(ByteBuffer.wrap(big.get(2)), ByteBuffer.wrap(big.get(3)));
        expected.writeBytes(big.get(2));
        expected.writeBytes(big.get(3));
        for (int i = 0; i < 3; i++)
        {
            final String d = "data-two-" + i;
            data(d);
            expected.writeBytes(ascii(d));
        }
        assertTrue(sink.getStats(pair.server()).bytesSent() < big.get(0).length + 1 + big.get(1).length,
            "the client must still be inside the first header when it changes");

        final StreamReader reader = loopback.reader(pair, "large-headers");
        reader.awaitExactly(expected.toByteArray(), "both large headers, each before its data");
        data("tail");
        expected.writeBytes(ascii("tail"));
        reader.awaitExactly(expected.toByteArray(), "then the marker only");
        assertEquals(expected.size(), sink.getStats(pair.server()).bytesSent(), "bytes-sent");
        assertEquals(expected.size(), sink.stats().bytesServed(), "bytes-served");
    }

    @Test
    void aBurstAcrossAHeaderChangeCarriesBothHeaders() throws Exception
    {
        // docs/semantics.md A.2.4: a burst that reaches back before a header change gets the old header before the
        // old buffers and the new header before the first buffer rendered after the change
        startSink(SinkConfig.builder()
            .bytesMin(1000)
            .syncMethod(SyncMethod.BURST)
            .burstFormat(UnitFormat.BUFFERS)
            .burstValue(4)
            .build());
        header("OLD!");
        data("d000"); // not in the burst
        data("d001");
        data("d002");
        header("NEW!");
        data("d003");
        await(() -> sink.stats().buffersQueued() == 4, () -> "d000..d003 retained; stats " + sink.stats());

        final Client c1 = addClient("burst-header");
        data("d004"); // the burst of 4 buffers: d001..d004
        c1.expect("OLD!d001d002NEW!d003d004", "burst across a header change");
        data("cafe");
        c1.expect("OLD!d001d002NEW!d003d004cafe", "then the marker only");
    }

    // ------------------------------------------------------------------------------------------
    // statistics
    // ------------------------------------------------------------------------------------------

    @Test
    void streamheaderBytesCountInBytesServedAndBytesSent() throws Exception
    {
        startSink(SinkConfig.defaults());
        final Client c1 = addClient("stats-1");
        header("babe", "deadbeef"); // 12 bytes
        data("f00d");
        c1.expect("babedeadbeeff00d", "client 1");
        assertEquals(16L, sink.getStats(c1.pair().server()).bytesSent(), "client 1 bytes-sent with the header");
        SinkStats stats = sink.stats();
        assertEquals(16L, stats.bytesServed(), "bytes-served with the header");
        assertEquals(4L, stats.bytesToServe(), "bytes-to-serve without the header");

        final Client c2 = addClient("stats-2");
        data("deaf");
        c1.expect("babedeadbeeff00ddeaf", "client 1");
        c2.expect("babedeadbeefdeaf", "client 2");
        assertEquals(20L, sink.getStats(c1.pair().server()).bytesSent(), "client 1 bytes-sent");
        assertEquals(16L, sink.getStats(c2.pair().server()).bytesSent(), "client 2 bytes-sent with the header");
        stats = sink.stats();
        assertEquals(36L, stats.bytesServed(), "bytes-served");
        assertEquals(8L, stats.bytesToServe(), "bytes-to-serve");

        header("new1", "new2"); // resent to both: 8 bytes each
        data("beef");
        c1.expect("babedeadbeeff00ddeafnew1new2beef", "client 1");
        c2.expect("babedeadbeefdeafnew1new2beef", "client 2");
        assertEquals(32L, sink.getStats(c1.pair().server()).bytesSent(), "client 1 bytes-sent after the resend");
        assertEquals(28L, sink.getStats(c2.pair().server()).bytesSent(), "client 2 bytes-sent after the resend");
        stats = sink.stats();
        assertEquals(60L, stats.bytesServed(), "bytes-served after the resend");
        assertEquals(12L, stats.bytesToServe(), "bytes-to-serve");
    }
}
