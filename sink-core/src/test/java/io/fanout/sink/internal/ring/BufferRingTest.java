package io.fanout.sink.internal.ring;

import io.fanout.sink.BufferFlags;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BufferRingTest
{
    private static ByteBuffer direct(final int size)
    {
        return ByteBuffer.allocateDirect(size);
    }

    private static long publish(final BufferRing ring, final ByteBuffer b, final int flags)
    {
        return ring.publish(b, 0, b.capacity(), flags, -1, -1);
    }

    @Test
    void publishesInOrderWithEveryField()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        assertEquals(-1, ring.head());
        final ByteBuffer[] buffers = new ByteBuffer[5];
        for (int i = 0; i < 5; i++)
        {
            buffers[i] = direct(10 + i);
            ring.retain(0);
            final long seq = ring.publish(buffers[i], i, 10, i % 2 == 0 ? 0 : BufferFlags.DELTA_UNIT, 1000L * i, 40);
            assertEquals(i, seq);
            assertEquals(i, ring.head());
        }
        for (long seq = 0; seq < 5; seq++)
        {
            assertSame(buffers[(int)seq], ring.buffer(seq));
            assertEquals(seq, ring.offset(seq));
            assertEquals(10, ring.length(seq));
            assertEquals(seq % 2 == 0 ? 0 : BufferFlags.DELTA_UNIT, ring.flags(seq));
            assertEquals(1000L * seq, ring.ptsNs(seq));
            assertEquals(40, ring.durationNs(seq));
            assertEquals(10L * seq, ring.bytesBefore(seq));
            assertTrue(ring.validate(seq));
        }
        assertEquals(0, ring.tail());
    }

    @Test
    void keyframeLinksPointBackwards()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final int[] flags = {BufferFlags.DELTA_UNIT, 0, BufferFlags.DELTA_UNIT, BufferFlags.DELTA_UNIT, 0, BufferFlags.DELTA_UNIT};
        for (final int f : flags)
        {
            publish(ring, direct(1), f);
        }
        assertEquals(BufferRing.NO_KEYFRAME, ring.prevKeyframe(0));
        assertEquals(1, ring.prevKeyframe(1));
        assertEquals(1, ring.prevKeyframe(3));
        assertEquals(4, ring.prevKeyframe(4));
        assertEquals(4, ring.prevKeyframe(5));
    }

    @Test
    void wrapsAroundReusingSlotsOnceReleased()
    {
        final BufferRing ring = new BufferRing(4, 1 << 20);
        for (int i = 0; i < 11; i++)
        {
            ring.retain(ring.head() + 1); // a reader that keeps up: needs nothing older than the next buffer
            final ByteBuffer b = direct(1);
            b.put(0, (byte)i);
            assertEquals(i, publish(ring, b, 0));
            assertEquals(i, ring.buffer(i).get(0));
        }
        assertEquals(10, ring.head());
        assertEquals(10, ring.tail(), "only the newest buffer is kept when the reader needs nothing older");
        assertEquals(0, ring.forcedReleases(), "a reader that keeps up is never lapped");
        assertTrue(ring.isLapped(9));
        assertFalse(ring.isLapped(10));
    }

    @Test
    void capacityInBuffersReleasesTheOldestAndLapsTheReader()
    {
        final BufferRing ring = new BufferRing(3, 1 << 20); // 4 slots, 3 buffers kept
        ring.retain(0); // the reader wants everything from 0
        for (int i = 0; i < 6; i++)
        {
            publish(ring, direct(1), 0);
        }
        assertEquals(5, ring.head());
        assertEquals(3, ring.tail(), "3 buffers kept: 3..5");
        assertEquals(3, ring.forcedReleases());
        assertTrue(ring.isLapped(0));
        assertTrue(ring.isLapped(2));
        assertFalse(ring.isLapped(3));
        assertNull(ring.buffer(2), "a released slot drops its buffer for the garbage collector");
    }

    @Test
    void capacityInBytesReleasesTheOldest()
    {
        final BufferRing ring = new BufferRing(1024, 1000);
        ring.retain(0);
        for (int i = 0; i < 3; i++)
        {
            publish(ring, direct(300), 0);
        }
        assertEquals(0, ring.tail(), "900 bytes fit in 1000");
        assertEquals(900, ring.producerRetainedBytes());
        publish(ring, direct(300), 0);
        assertEquals(1, ring.tail(), "1200 bytes do not: the oldest goes");
        assertEquals(900, ring.producerRetainedBytes());
        publish(ring, direct(700), 0);
        assertEquals(3, ring.tail(), "700 + 300 = 1000 fits, 700 + 600 does not");
        assertEquals(1000, ring.producerRetainedBytes());
        assertEquals(3, ring.forcedReleases());
    }

    @Test
    void aBufferLargerThanTheByteCapacityIsKeptAlone()
    {
        final BufferRing ring = new BufferRing(16, 100);
        ring.retain(0);
        publish(ring, direct(10), 0);
        publish(ring, direct(500), 0);
        assertEquals(1, ring.tail());
        assertEquals(1, ring.head());
        assertEquals(500, ring.producerRetainedBytes());
    }

    @Test
    void retentionFollowsTheReaderAndKeepsTheNewest()
    {
        final BufferRing ring = new BufferRing(64, 1 << 20);
        ring.retain(0);
        for (int i = 0; i < 10; i++)
        {
            publish(ring, direct(1), 0);
        }
        assertEquals(0, ring.tail());
        ring.retain(6);
        ring.retain(3); // never goes back
        assertEquals(6, ring.retainSeq());
        publish(ring, direct(1), 0);
        assertEquals(6, ring.tail());
        ring.retain(Long.MAX_VALUE);
        publish(ring, direct(1), 0);
        assertEquals(11, ring.tail(), "the newest buffer always stays");
        assertEquals(0, ring.forcedReleases(), "releases asked for by the reader are not forced");
    }

    @Test
    void aReadOverwrittenByTheProducerFailsValidation()
    {
        final BufferRing ring = new BufferRing(2, 1 << 20);
        ring.retain(0);
        publish(ring, direct(1), 0);
        publish(ring, direct(1), 0);
        // the reader reads seq 0's fields ...
        final ByteBuffer seen = ring.buffer(0);
        assertTrue(seen != null);
        // ... the producer laps it before the reader validates
        publish(ring, direct(1), 0);
        assertFalse(ring.validate(0));
        assertTrue(ring.validate(1));
    }

    @Test
    void reusableIsTheOlderOfTailAndAReadInFlight()
    {
        final BufferRing ring = new BufferRing(4, 1 << 20);
        ring.retain(0);
        for (int i = 0; i < 6; i++)
        {
            publish(ring, direct(1), 0);
        }
        assertEquals(2, ring.tail());
        assertEquals(2, ring.reusableBefore(), "released by the capacity: a lapped reader reads nothing of 0 and 1");
        ring.reading(1); // a write that validated 1 before the producer released it
        assertEquals(1, ring.reusableBefore());
        ring.reading(BufferRing.NOT_READING);
        assertEquals(2, ring.reusableBefore());
        assertEquals(0, ring.retainSeq(), "reuse does not wait for the reader's retention");
    }

    @Test
    void rejectsCapacitiesOutOfRange()
    {
        assertThrows(IllegalArgumentException.class, () -> new BufferRing(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new BufferRing((1 << 30) + 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new BufferRing(1, 0));
    }

    @Test
    void aPublishLapsAHeldSequenceOnlyWhenTheCapacityWouldReleaseIt()
    {
        final BufferRing ring = new BufferRing(4, 100);
        for (int i = 0; i < 4; i++)
        {
            publish(ring, direct(10), 0); // sequences 0..3, 40 bytes
        }
        assertFalse(ring.wouldLapHeld(10), "nobody holds anything yet");
        ring.hold(0);
        assertTrue(ring.wouldLapHeld(10), "a fifth buffer exceeds 4 buffers and releases 0");
        ring.hold(1);
        assertFalse(ring.wouldLapHeld(10), "4 buffers from 1 fit: 1..4");
        assertFalse(ring.wouldLapHeld(70), "30 bytes from 1 plus 70 fit in 100");
        assertTrue(ring.wouldLapHeld(71), "30 bytes from 1 plus 71 do not fit in 100");
        ring.hold(4);
        assertFalse(ring.wouldLapHeld(1000), "a client that needs the next buffer holds nothing retained");
        ring.hold(Long.MAX_VALUE);
        assertFalse(ring.wouldLapHeld(1000));
        ring.retain(0);
        publish(ring, direct(10), 0); // capacity releases 0: tail 1
        assertEquals(1, ring.tail());
        ring.hold(0);
        assertTrue(ring.wouldLapHeld(10), "a hold on a released sequence is stale: its client was lapped");
        ring.hold(2);
        assertFalse(ring.wouldLapHeld(10), "the reader's next word: 2..5 fit");
    }

    @Test
    void waitsAreCountedForAnyThread()
    {
        final BufferRing ring = new BufferRing(4, 100);
        ring.countWait(5);
        ring.countWait(7);
        assertEquals(2, ring.producerWaits());
        assertEquals(12, ring.producerWaitNs());
    }
}
