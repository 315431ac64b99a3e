package io.fanout.bench;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The load generator's arithmetic and its timestamp parser: no sockets, no timing, milliseconds. */
class LoadStatsTest
{
    @Test
    void ratesAndCpu()
    {
        assertEquals(100.0, LoadStats.mbPerSecond(200_000_000L, 2_000_000_000L), 1e-9);
        assertEquals(0.0, LoadStats.mbPerSecond(5, 0), 1e-9);
        assertEquals(50.0, LoadStats.cpuPercent(100, 100, 2_000_000_000L), 1e-9);
        // 1316 bytes at 4.5 Mbit/s: one buffer every 2.3395 ms
        assertEquals(2_339_555L, LoadStats.intervalNs(1316, 4_500_000L));
    }

    @Test
    void nearestRankPercentiles()
    {
        final double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(1, LoadStats.percentile(sorted, 0), 1e-9);
        assertEquals(5, LoadStats.percentile(sorted, 0.5), 1e-9);
        assertEquals(10, LoadStats.percentile(sorted, 0.99), 1e-9);
        assertEquals(10, LoadStats.percentile(sorted, 1), 1e-9);
        assertEquals(0, LoadStats.percentile(new double[0], 0.5), 1e-9);
        assertEquals(7L, LoadStats.percentile(new long[] {3, 7, 9}, 0.5));
        final long[] values = {9, 1, 5, 3, 7};
        assertEquals(5, LoadStats.quantileOf(values, new long[5], 5, 0.5));
        assertEquals(9, values[0], "the input is left alone");
    }

    @Test
    void stampedPacketsParseAcrossReadsAndResync()
    {
        final ByteBuffer stream = ByteBuffer.allocate(188 * 7);
        StampedPackets.fill(stream);
        StampedPackets.stamp(stream, 0, stream.capacity(), 1_000);
        final List<Long> seen = new ArrayList<>();
        final StampedPackets.Parser parser = new StampedPackets.Parser();
        // start 100 bytes into the stream (mid-packet, as a client that joined late), reads of 37 bytes
        for (int from = 100; from < stream.capacity(); from += 37)
        {
            parser.parse(stream, from, Math.min(from + 37, stream.capacity()), 1_250, seen::add);
        }
        assertEquals(6, parser.packets(), "the six whole packets after the join");
        assertEquals(List.of(250L, 250L, 250L, 250L, 250L, 250L), seen);
    }
}
