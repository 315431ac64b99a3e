package io.fanout.gst;

import io.fanout.sink.BufferFlags;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The flag and streamheader rules, without GStreamer. */
class SampleRendererTest
{
    private final GstInputTest.Recording recording = new GstInputTest.Recording();
    private final List<String> reports = new ArrayList<>();
    private final SampleRenderer renderer = new SampleRenderer(recording, reports::add);

    @Test
    void flagsMapDeltaUnitAndHeaderOnly()
    {
        assertEquals(BufferFlags.NONE, SampleRenderer.flags(0));
        assertEquals(BufferFlags.DELTA_UNIT, SampleRenderer.flags(SampleRenderer.GST_DELTA_UNIT));
        assertEquals(BufferFlags.HEADER, SampleRenderer.flags(SampleRenderer.GST_HEADER));
        assertEquals(BufferFlags.DELTA_UNIT | BufferFlags.HEADER, SampleRenderer.flags(0xffff));
        assertEquals(BufferFlags.NONE, SampleRenderer.flags(~(SampleRenderer.GST_DELTA_UNIT | SampleRenderer.GST_HEADER)));
    }

    @Test
    void buffersAreRenderedWithTheirFlagsAndCounted()
    {
        renderer.buffer(ByteBuffer.wrap(new byte[10]), 0, 0, 40_000_000L);
        renderer.buffer(ByteBuffer.wrap(new byte[5]), SampleRenderer.GST_DELTA_UNIT, 40_000_000L, -1);
        assertEquals(2, recording.buffers.size());
        assertEquals(BufferFlags.NONE, recording.buffers.get(0)[0]);
        assertEquals(BufferFlags.DELTA_UNIT, recording.buffers.get(1)[0]);
        assertEquals(List.of(0L), recording.keyframePts);
        assertEquals(2, renderer.buffers());
        assertEquals(1, renderer.keyframes());
        assertEquals(15, renderer.bytes());
    }

    @Test
    void capsReplaceTheStreamheaderAndUnchangedCapsChangeNothing()
    {
        renderer.caps("video/mpegts, systemstream=(boolean)true, streamheader=(buffer)< 4740, 47a0ff >");
        renderer.caps("video/mpegts, systemstream=(boolean)true, streamheader=(buffer)< 4740, 47a0ff >");
        assertEquals(1, recording.streamheaders.size());
        assertArrayEquals(new byte[] {0x47, 0x40}, bytes(recording.streamheaders.get(0)[0]));
        assertArrayEquals(new byte[] {0x47, (byte)0xa0, (byte)0xff}, bytes(recording.streamheaders.get(0)[1]));
        // other caps, same header: no change of streamheader
        renderer.caps("video/mpegts, systemstream=(boolean)true, packetsize=(int)188, streamheader=(buffer)< 4740, 47a0ff >");
        assertEquals(1, recording.streamheaders.size());
        // caps without one clear it
        renderer.caps("video/mpegts, systemstream=(boolean)true");
        assertEquals(2, recording.streamheaders.size());
        assertEquals(0, recording.streamheaders.get(1).length);
        assertEquals(2, renderer.streamheaderChanges());
        assertEquals(List.of(), reports);
    }

    @Test
    void aMalformedStreamheaderIsReportedAndTakenAsNone()
    {
        renderer.caps("a/b, streamheader=(buffer)< 474 >");
        assertEquals(1, reports.size());
        assertTrue(reports.get(0).startsWith("gst: caps a/b"), reports.get(0));
        assertTrue(reports.get(0).endsWith("taken as caps without a streamheader"), reports.get(0));
        assertEquals(0, recording.streamheaders.size(), "none before, none now");
    }

    @Test
    void aHeaderBufferEqualToTheStreamheaderIsDroppedAndCounted()
    {
        renderer.caps("video/mpegts, streamheader=(buffer)< 4740, 47a0ff >");
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, (byte)0xa0, (byte)0xff}), SampleRenderer.GST_HEADER, -1, -1);
        assertEquals(0, recording.buffers.size(), "the PMT again, flagged HEADER: not data");
        assertEquals(1, renderer.headerBuffersDropped());
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, (byte)0xa0, (byte)0xfe}), SampleRenderer.GST_HEADER, -1, -1);
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, 0x40}), 0, -1, -1);
        assertEquals(2, recording.buffers.size(), "other HEADER bytes, and equal bytes without HEADER, are data");
        assertEquals(BufferFlags.HEADER, recording.buffers.get(0)[0]);
        assertEquals(1, renderer.headerBuffersDropped());
        assertEquals(2, renderer.buffers());
    }

    @Test
    void theKeyframeMarkOfADroppedHeaderMovesToTheNextBuffer()
    {
        renderer.caps("video/mpegts, streamheader=(buffer)< 4740, 47a0ff >");
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, 0x40}), SampleRenderer.GST_HEADER, 0, -1); // the PAT, a keyframe
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, (byte)0xa0, (byte)0xff}),
            SampleRenderer.GST_HEADER | SampleRenderer.GST_DELTA_UNIT, 0, -1);
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, 0x41}), SampleRenderer.GST_DELTA_UNIT, 0, -1); // the video
        renderer.buffer(ByteBuffer.wrap(new byte[] {0x47, 0x41}), SampleRenderer.GST_DELTA_UNIT, 0, -1);
        assertEquals(2, recording.buffers.size());
        assertEquals(BufferFlags.NONE, recording.buffers.get(0)[0], "the keyframe mark, moved");
        assertEquals(BufferFlags.DELTA_UNIT, recording.buffers.get(1)[0], "once");
        assertEquals(1, renderer.keyframes());
    }

    private static byte[] bytes(final ByteBuffer buffer)
    {
        final byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

}
