package io.fanout.sink.format;

import io.fanout.sink.BufferFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinesFramerTest
{
    private static List<String> run(final LinesFramer framer, final RecordingPort port, final ReadableByteChannel in)
        throws IOException
    {
        while (framer.pump(in))
        {
            // one read per pump
        }
        framer.finish();
        return port.published().stream()
            .map(p -> new String(p.bytes(), StandardCharsets.UTF_8))
            .collect(Collectors.toList());
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
    void oneKeyframeBufferPerLineWithItsNewlineWhateverTheReadSizes(final int chunk) throws IOException
    {
        final RecordingPort port = new RecordingPort(0);
        final LinesFramer framer = new LinesFramer(port, 1024);
        final byte[] text = "alpha\nbeta\n\ngamma delta\nlast".getBytes(StandardCharsets.UTF_8);
        final List<String> lines = run(framer, port, new ChunkedChannel(text, read -> chunk));
        assertEquals(List.of("alpha\n", "beta\n", "\n", "gamma delta\n", "last"), lines);
        assertTrue(port.published().stream().allMatch(p -> p.flags() == BufferFlags.NONE), "every line is a keyframe");
        assertEquals(5, framer.buffersRendered());
        assertEquals(text.length, framer.bytesRendered());
    }

    @Test
    void aLineLongerThanTheMaximumIsSplit() throws IOException
    {
        final RecordingPort port = new RecordingPort(0);
        final LinesFramer framer = new LinesFramer(port, 4);
        final List<String> lines = run(framer, port, ChunkedChannel.whole("abcdefghij\nxy\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("abcd", "efgh", "ij\n", "xy\n"), lines);
        assertEquals(2, framer.splitLines());
    }

    @Test
    void randomReadSizesGiveTheSameLines() throws IOException
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2000; i++)
        {
            text.append("x".repeat(i % 37)).append('\n');
        }
        final byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        final RecordingPort whole = new RecordingPort(0);
        final List<String> expected = run(new LinesFramer(whole, 64), whole, ChunkedChannel.whole(bytes));
        final RecordingPort random = new RecordingPort(0);
        assertEquals(expected, run(new LinesFramer(random, 64), random, ChunkedChannel.random(bytes, 42, 97)));
        assertEquals(2000, expected.size());
    }

    @Test
    void resetDropsAPartialLine() throws IOException
    {
        final RecordingPort port = new RecordingPort(0);
        final LinesFramer framer = new LinesFramer(port, 64);
        final ReadableByteChannel first = ChunkedChannel.whole("done\nhalf a li".getBytes(StandardCharsets.UTF_8));
        framer.pump(first);
        framer.reset(); // the upstream went away mid-line
        final List<String> lines = run(framer, port, ChunkedChannel.whole("next\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("done\n", "next\n"), lines);
    }

    @Test
    void rejectsAMaximumUnderOne()
    {
        assertThrows(IllegalArgumentException.class, () -> new LinesFramer(new RecordingPort(0), 0));
    }
}
