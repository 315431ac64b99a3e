package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RawFramerTest
{
    @Test
    void eachReadBecomesOneKeyframeBufferOfAtMostTheBlocksize() throws IOException
    {
        final byte[] input = new byte[10_000];
        new Random(1).nextBytes(input);
        final RecordingPort port = new RecordingPort(0);
        final RawFramer framer = new RawFramer(port, 1000);
        final ChunkedChannel in = ChunkedChannel.random(input, 9, 2500);
        while (framer.pump(in))
        {
            // one read per pump
        }
        framer.finish();
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (final RecordingPort.Published p : port.published())
        {
            assertTrue(p.bytes().length >= 1 && p.bytes().length <= 1000, "size " + p.bytes().length);
            assertEquals(BufferFlags.NONE, p.flags());
            assertEquals(-1, p.pts());
            all.writeBytes(p.bytes());
        }
        assertArrayEquals(input, all.toByteArray());
        assertEquals(port.published().size(), framer.buffersRendered());
        assertEquals(input.length, framer.bytesRendered());
    }

    @Test
    void rejectsABlocksizeUnderOne()
    {
        assertThrows(IllegalArgumentException.class, () -> new RawFramer(new RecordingPort(0), 0));
    }
}
