package io.fanout.sink.format;

import io.fanout.sink.MultiSocketSink;
import io.fanout.sink.SinkConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Serving GDP (an origin for edges): what a client of a {@link GdpPayloader} gets reads back with
 * {@link GdpFramer} as the buffers, flags, timestamps and streamheader the framer rendered.
 */
@Timeout(30)
class GdpPayloaderTest
{
    private static final String CAPS = "video/mpegts, systemstream=(boolean)true, packetsize=(int)188";
    private static final int BLOCK = 4 * TsStream.PACKET + 100;

    @Test
    void anMpegTsServedAsGdpReadsBackAsTheSameBuffersAndStreamheader() throws IOException
    {
        final byte[] input = new TsStream().pat().pmt().video(true).videos(5).video(true).videos(3).audio(false).nul()
            .video(true).videos(2).input();
        final RecordingPort direct = new RecordingPort(0);
        pumpAll(new MpegTsFramer(direct, BLOCK, MpegTsFramer.KeyframePid.AUTO, report -> fail(report)), input);

        final byte[] served = serve(sink -> new MpegTsFramer(new GdpPayloader(sink, CAPS), BLOCK, MpegTsFramer.KeyframePid.AUTO,
            report -> fail(report)), input);

        final RecordingPort back = new RecordingPort(0);
        final GdpFramer reader = new GdpFramer(back, true, report -> fail(report));
        pumpAll(reader, served);
        final List<byte[]> header = direct.streamheaders().get(direct.streamheaders().size() - 1).buffers();
        assertEquals(2, header.size(), "PAT and PMT");
        final List<byte[]> headerBack = back.streamheaders().get(back.streamheaders().size() - 1).buffers();
        assertEquals(header.size(), headerBack.size());
        for (int i = 0; i < header.size(); i++)
        {
            assertArrayEquals(header.get(i), headerBack.get(i), "streamheader buffer " + i);
        }
        // the edge's framer drops HEADER buffers equal to the streamheader, as the sink does (docs/semantics.md §4.1)
        final List<RecordingPort.Published> expected = direct.published().stream()
            .filter(p -> (p.flags() & io.fanout.sink.BufferFlags.HEADER) == 0 || header.stream().noneMatch(h -> java.util.Arrays.equals(h, p.bytes())))
            .toList();
        final List<RecordingPort.Published> got = back.published();
        assertEquals(expected.size(), got.size(), "buffers");
        assertTrue(expected.size() >= 4, "several buffers: " + expected.size());
        for (int i = 0; i < expected.size(); i++)
        {
            assertArrayEquals(expected.get(i).bytes(), got.get(i).bytes(), "bytes of buffer " + i);
            assertEquals(expected.get(i).flags(), got.get(i).flags(), "flags of buffer " + i);
            assertEquals(expected.get(i).pts(), got.get(i).pts(), "pts of buffer " + i);
            assertEquals(expected.get(i).duration(), got.get(i).duration(), "duration of buffer " + i);
        }
    }

    @Test
    void aClientGetsTheCapsRecordFirstEvenWithoutAStreamheader() throws IOException
    {
        final byte[] lines = "one\ntwo\n".getBytes(StandardCharsets.US_ASCII);
        final byte[] served = serve(sink -> new LinesFramer(new GdpPayloader(sink, "text/plain"), 100), lines);
        assertEquals(1, served[0], "GDP major version 1");
        assertEquals(2, served[5], "a caps record first (type 2)");
        final int capsLength = ByteBuffer.wrap(served, 6, 4).getInt();
        assertEquals("text/plain\0", new String(served, 62, capsLength, StandardCharsets.UTF_8));
        final RecordingPort back = new RecordingPort(0);
        pumpAll(new GdpFramer(back, true, report -> fail(report)), served);
        assertEquals(2, back.published().size());
        assertArrayEquals("one\n".getBytes(StandardCharsets.US_ASCII), back.published().get(0).bytes());
        assertFalse(back.streamheaders().stream().anyMatch(h -> !h.buffers().isEmpty()), "no streamheader");
    }

    /** Runs the input through a framer built on a real sink, and returns what one client received. */
    private static byte[] serve(final Function<MultiSocketSink, Framer> framerOnSink, final byte[] input) throws IOException
    {
        try (MultiSocketSink sink = new MultiSocketSink(SinkConfig.builder().build());
             ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress()))
        {
            sink.start();
            final SocketChannel accepted = server.accept();
            sink.add(accepted);
            final Framer framer = framerOnSink.apply(sink);
            pumpAll(framer, input);
            try
            {
                assertTrue(sink.drain(10_000_000_000L), "drained");
            }
            catch (final InterruptedException ex)
            {
                throw new IOException(ex);
            }
            sink.close();
            accepted.close(); // the application's socket: the client reads to its end
            final ByteArrayOutputStream received = new ByteArrayOutputStream();
            final ByteBuffer chunk = ByteBuffer.allocate(65536);
            while (client.read(chunk.clear()) >= 0)
            {
                received.write(chunk.array(), 0, chunk.position());
            }
            return received.toByteArray();
        }
    }

    private static void pumpAll(final Framer framer, final byte[] input) throws IOException
    {
        final ChunkedChannel in = new ChunkedChannel(input, n -> 1000);
        while (framer.pump(in))
        {
            // one read per pump
        }
        framer.finish();
    }
}
