package io.fanout.cli.input;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files read once and looped, with the MPEG-TS rewritten across loop points (the demo clip as input). */
class LoopingChannelTest
{
    @TempDir
    Path dir;

    static byte[] demo() throws IOException
    {
        try (InputStream in = LoopingChannelTest.class.getResourceAsStream("/io/fanout/cli/input/demo.ts"))
        {
            return in.readAllBytes();
        }
    }

    private static byte[] read(final ReadableByteChannel channel, final long max, final int chunk) throws IOException
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteBuffer buffer = ByteBuffer.allocate(chunk);
        while (out.size() < max)
        {
            buffer.clear();
            final int n = channel.read(buffer);
            if (n < 0)
            {
                break;
            }
            out.write(buffer.array(), 0, n);
        }
        return out.toByteArray();
    }

    private static LoopingChannel over(final byte[] bytes, final boolean loop, final boolean mpegts,
        final List<String> reports) throws IOException
    {
        return new LoopingChannel(() -> Channels.newChannel(new java.io.ByteArrayInputStream(bytes)), loop, mpegts,
            reports::add);
    }

    @Test
    void readOnceAFileIsHandedOnByteForByte() throws IOException
    {
        final byte[] demo = demo();
        final byte[] odd = Arrays.copyOf(demo, demo.length - 100); // a partial packet at the end, too
        final Path file = Files.write(dir.resolve("in.ts"), odd);
        try (LoopingChannel channel = new LoopingChannel(() -> FileChannel.open(file), false, true, r -> { }))
        {
            assertArrayEquals(odd, read(channel, Long.MAX_VALUE, 1000));
            assertEquals(0, channel.loops());
        }
    }

    @Test
    void aLoopedTransportStreamKeepsItsCountersAndTimestampsGoing() throws IOException
    {
        final byte[] demo = demo();
        final List<String> reports = new ArrayList<>();
        final byte[] looped;
        try (LoopingChannel channel = over(demo, true, true, reports))
        {
            looped = read(channel, 3L * demo.length, 7000);
            assertEquals(2, channel.loops());
        }
        assertEquals(3 * demo.length, looped.length);
        assertArrayEquals(demo, Arrays.copyOf(looped, demo.length), "the first pass is the file as it is");
        final Map<Integer, Integer> cc = new HashMap<>();
        final Map<Integer, Long> lastPts = new HashMap<>();
        long lastPcr = -1;
        int pcrs = 0;
        final ByteBuffer b = ByteBuffer.wrap(looped);
        for (int at = 0; at + 188 <= looped.length; at += 188)
        {
            assertTrue(TsFields.synced(b, at));
            final int pid = TsFields.pid(b, at);
            if (pid == TsFields.NULL_PID)
            {
                continue;
            }
            final int counter = TsFields.continuityCounter(b, at);
            final Integer previous = cc.get(pid);
            if (previous != null)
            {
                final int expected = TsFields.hasPayload(b, at) ? (previous + 1) & 15 : previous;
                assertEquals(expected, counter, "continuity counter of PID " + pid + " at byte " + at);
            }
            cc.put(pid, counter);
            final long pcr = TsFields.pcr(b, at);
            if (pcr >= 0)
            {
                assertTrue(pcr > lastPcr, "PCR goes on at byte " + at + ": " + lastPcr + " then " + pcr);
                lastPcr = pcr;
                pcrs++;
            }
            final int ts = TsFields.pesTimestampsAt(b, at);
            if (ts >= 0)
            {
                final long decode = TsFields.hasDts(b, ts) ? TsFields.timestamp(b, ts + 5) : TsFields.timestamp(b, ts);
                final Long last = lastPts.get(pid);
                assertTrue(last == null || decode > last, "timestamps of PID " + pid + " go on at byte " + at);
                lastPts.put(pid, decode);
            }
        }
        assertTrue(pcrs > 100, "the clip carries PCRs: " + pcrs);
        assertEquals(2, lastPts.size(), "video and audio");
        assertTrue(reports.isEmpty(), "the demo is whole packets: " + reports);
    }

    @Test
    void aTrailingPartialPacketIsDroppedAtEachLoopPointAndReportedOnce() throws IOException
    {
        final byte[] demo = demo();
        final byte[] odd = Arrays.copyOf(demo, 188 * 100 + 50);
        final List<String> reports = new ArrayList<>();
        try (LoopingChannel channel = over(odd, true, true, reports))
        {
            final byte[] looped = read(channel, 188 * 300, 188 * 7);
            assertEquals(188 * 300, looped.length);
            for (int at = 0; at < looped.length; at += 188)
            {
                assertEquals(0x47, looped[at] & 0xFF, "whole packets only, at byte " + at);
            }
        }
        assertEquals(1, reports.size(), reports.toString());
        assertTrue(reports.get(0).contains("50 bytes"), reports.get(0));
    }

    @Test
    void anyFormatLoopsAsItIs() throws IOException
    {
        final byte[] text = "one\ntwo\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (LoopingChannel channel = over(text, true, false, new ArrayList<>()))
        {
            assertEquals("one\ntwo\none\ntwo\none\n", new String(read(channel, 20, 3), java.nio.charset.StandardCharsets.US_ASCII)
                .substring(0, 20));
        }
    }

    @Test
    void anEmptyFileEndsTheInputInsteadOfSpinning() throws IOException
    {
        final List<String> reports = new ArrayList<>();
        try (LoopingChannel channel = over(new byte[0], true, true, reports))
        {
            assertEquals(-1, channel.read(ByteBuffer.allocate(100)));
        }
        assertEquals(List.of("input: the file is empty; nothing to loop"), reports);
    }

    @Test
    void aTransportStreamFileWithoutAWholePacketEndsInsteadOfSpinning() throws IOException
    {
        final List<String> reports = new ArrayList<>();
        try (LoopingChannel channel = over(new byte[100], true, true, reports))
        {
            assertEquals(-1, channel.read(ByteBuffer.allocate(1000)));
        }
        assertTrue(reports.contains("input: the file holds no whole 188-byte packet; nothing to loop"), reports.toString());
    }
}
