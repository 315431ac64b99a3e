package io.fanout.cli.input;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pacing: where each clock cuts the input and what time it gives, and that a paced input is
 * never handed on ahead of its stream time (a lower bound on the elapsed time, which holds on
 * any machine; how close it comes to the stream's rate is measured end to end in InputSourcesIT).
 */
@Timeout(30)
class PacedChannelTest
{
    private static ReadableByteChannel of(final byte[] bytes)
    {
        return Channels.newChannel(new ByteArrayInputStream(bytes));
    }

    private static byte[] readAll(final ReadableByteChannel channel) throws IOException
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        final ByteBuffer buffer = ByteBuffer.allocate(5000);
        int n;
        while ((n = channel.read(buffer.clear())) >= 0)
        {
            out.write(buffer.array(), 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void theTsClockEndsEachChunkOnAPcrAndItsTimesFollowThePcr() throws IOException
    {
        final byte[] demo = LoopingChannelTest.demo();
        final ByteBuffer staged = ByteBuffer.wrap(demo);
        final TsClock clock = new TsClock();
        final List<Long> times = new ArrayList<>();
        int handed = 0;
        int chunk;
        while ((chunk = clock.next(staged)) != StreamClock.NEED_MORE)
        {
            final int last = staged.position() + chunk - 188;
            if (clock.timeNs() != StreamClock.NO_TIME)
            {
                assertTrue(TsFields.pcr(staged, last) >= 0, "a timed chunk ends on its PCR packet");
                times.add(clock.timeNs());
            }
            staged.position(staged.position() + chunk);
            handed += chunk;
        }
        assertTrue(demo.length - handed < 188 * 400, "all but the packets after the last PCR: " + handed);
        for (int i = 1; i < times.size(); i++)
        {
            assertTrue(times.get(i) > times.get(i - 1), "PCR times increase");
        }
        final long spanMs = TimeUnit.NANOSECONDS.toMillis(times.get(times.size() - 1) - times.get(0));
        assertTrue(spanMs > 3800 && spanMs < 4100, "the clip's PCRs span about 4 s: " + spanMs + " ms");
    }

    @Test
    void theGdpClockCutsRecordsAndTimesBuffersOnly()
    {
        final ByteBuffer staged = ByteBuffer.allocate(62 * 3 + 10 + 4);
        record(staged, 2, 4, -1);        // caps: no time
        record(staged, 1, 10, 5_000_000L); // a buffer at 5 ms
        record(staged, 1, 0, -1);        // a buffer without a timestamp
        staged.flip();
        final GdpClock clock = new GdpClock();
        assertEquals(66, clock.next(staged));
        assertEquals(StreamClock.NO_TIME, clock.timeNs());
        staged.position(66);
        assertEquals(72, clock.next(staged));
        assertEquals(5_000_000L, clock.timeNs());
        staged.position(138);
        assertEquals(62, clock.next(staged));
        assertEquals(StreamClock.NO_TIME, clock.timeNs());
        staged.position(200).limit(200);
        assertEquals(StreamClock.NEED_MORE, clock.next(staged));
    }

    private static void record(final ByteBuffer b, final int type, final int length, final long pts)
    {
        final int at = b.position();
        b.put(new byte[62 + length]);
        b.putShort(at + 4, (short)type).putInt(at + 6, length).putLong(at + 10, pts);
    }

    @Test
    void aRatePacedInputIsNeverAheadOfItsRate() throws IOException
    {
        final byte[] input = new byte[30_000];
        new java.util.Random(1).nextBytes(input);
        final long start = System.nanoTime();
        final byte[] output;
        try (PacedChannel paced = PacedChannel.rate(of(input), 800_000)) // 100,000 bytes per second
        {
            output = readAll(paced);
        }
        final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertArrayEquals(input, output);
        // the last 10 ms chunk starts at byte 29,000: due 290 ms after the first
        assertTrue(elapsedMs >= 285, "handed on at the rate, not faster: " + elapsedMs + " ms");
    }

    @Test
    void aTimeGoingBackReanchorsInsteadOfWaiting()
    {
        final Pacer pacer = new Pacer(() -> { });
        pacer.await(10_000_000_000L);
        final long start = System.nanoTime();
        pacer.await(0);
        pacer.await(5_000_000_000L); // 5 s ahead of the clock: a jump, not a wait
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "no wait across discontinuities");
        assertEquals(2, pacer.reanchors());
    }

    @Test
    void closingEndsAPacingWait() throws Exception
    {
        final ByteBuffer two = ByteBuffer.allocate(62 * 2);
        record(two, 1, 0, 0);
        record(two, 1, 0, 900_000_000L); // due 0.9 s after the first
        final PacedChannel paced = PacedChannel.gdp(of(two.array()));
        final ByteBuffer dst = ByteBuffer.allocate(1000);
        assertEquals(62, paced.read(dst));
        final AtomicReference<Throwable> thrown = new AtomicReference<>();
        final Thread reader = new Thread(() ->
        {
            try
            {
                paced.read(dst);
            }
            catch (final Throwable ex)
            {
                thrown.set(ex);
            }
        });
        reader.start();
        final long start = System.nanoTime();
        while (reader.getState() != Thread.State.TIMED_WAITING && reader.isAlive())
        {
            Thread.onSpinWait();
        }
        paced.close();
        reader.join(5000);
        assertInstanceOf(AsynchronousCloseException.class, thrown.get());
        assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(800), "ended before it was due");
    }
}
