package io.fanout.sink.internal.ring;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlabPoolTest
{
    private static String read(final BufferRing ring, final long seq)
    {
        final ByteBuffer b = ring.buffer(seq);
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ring.length(seq); i++)
        {
            sb.append((char)b.get(ring.offset(seq) + i));
        }
        return sb.toString();
    }

    private static void write(final ByteBuffer b, final String text)
    {
        for (int i = 0; i < text.length(); i++)
        {
            b.put((byte)text.charAt(i));
        }
    }

    @Test
    void commitsConsecutivePayloadsFromOneSlab()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 64);
        write(pool.claim(5), "hello");
        assertEquals(0, pool.commit(5, 0, -1, -1));
        write(pool.claim(5), "world");
        assertEquals(1, pool.commit(5, 0, -1, -1));
        assertEquals("hello", read(ring, 0));
        assertEquals("world", read(ring, 1));
        assertSame(ring.buffer(0), ring.buffer(1), "payloads share the slab's view");
        assertEquals(5, ring.offset(1));
        assertEquals(1, pool.slabsAllocated());
    }

    @Test
    void uncommittedBytesCarryIntoTheNextSlab()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 16);
        write(pool.claim(16), "abcdefghij"); // 10 bytes
        pool.commit(4, 0, -1, -1);           // "abcd"
        assertEquals(6, pool.uncommitted());
        final ByteBuffer next = pool.claim(12); // 6 carried + 12 free does not fit in 16 - 10
        write(next, "XY");
        pool.commit(8, 0, -1, -1);
        assertEquals("abcd", read(ring, 0));
        assertEquals("efghijXY", read(ring, 1));
        assertNotSame(ring.buffer(0), ring.buffer(1));
        assertEquals(0, pool.uncommitted());
    }

    @Test
    void aLargeClaimGetsItsOwnSlab()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 16);
        final ByteBuffer big = pool.claim(100);
        assertTrue(big.remaining() >= 100);
        for (int i = 0; i < 100; i++)
        {
            big.put((byte)'z');
        }
        pool.commit(100, 0, -1, -1);
        assertEquals(100, ring.length(0));
    }

    @Test
    void aSlabIsReusedOnlyOnceTheRingAndTheReaderReleasedIt()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 8);
        ring.retain(0);
        write(pool.claim(8), "aaaaaaaa");
        pool.commit(8, 0, -1, -1);          // seq 0 fills slab 1
        write(pool.claim(8), "bbbbbbbb");
        pool.commit(8, 0, -1, -1);          // seq 1 in slab 2; slab 1 retired
        write(pool.claim(8), "cccccccc");
        pool.commit(8, 0, -1, -1);          // seq 2: slab 1 still needed (retain 0) -> slab 3
        assertEquals(3, pool.slabsAllocated());
        assertEquals("aaaaaaaa", read(ring, 0), "a slab the reader still needs is not overwritten");
        ring.retain(3);
        write(pool.claim(8), "dddddddd");   // the ring's tail has not moved yet: a 4th slab
        pool.commit(8, 0, -1, -1);          // seq 3: the tail moves past 0..2 on this publish
        assertEquals(4, pool.slabsAllocated());
        write(pool.claim(8), "eeeeeeee");
        pool.commit(8, 0, -1, -1);          // now slab 1 (last seq 0) is reclaimable and reused
        assertEquals(4, pool.slabsAllocated());
        assertEquals("eeeeeeee", read(ring, 4));
    }

    /**
     * Issue 6 item 2: a reader that publishes no retention (a descheduled selector thread, or one
     * held in a callback) cannot make the producer allocate beyond the capacity: slabs the ring
     * released are reused at once. 40 MiB through a ring of 4 MiB takes at most 4 + 3 slabs.
     */
    @Test
    void aSilentReaderDoesNotMakeThePoolGrowPastTheCapacity()
    {
        final int slab = 1 << 20;
        final BufferRing ring = new BufferRing(65536, 4L * slab);
        final SlabPool pool = new SlabPool(ring, slab);
        for (int i = 0; i < 640; i++)
        {
            final ByteBuffer memory = pool.claim(64 * 1024);
            memory.position(memory.position() + 64 * 1024);
            pool.commit(64 * 1024, 0, -1, -1);
        }
        assertEquals(0, ring.retainSeq(), "the reader never published a retention");
        assertTrue(pool.slabsAllocated() <= 4 + 3, "slabs allocated: " + pool.slabsAllocated());
    }

    /** A slab the reader is writing to a socket is not reused, even once the ring released it. */
    @Test
    void aSlabBeingReadIsNotReusedUntilTheReadEnds()
    {
        final BufferRing ring = new BufferRing(2, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 8);
        write(pool.claim(8), "aaaaaaaa");
        pool.commit(8, 0, -1, -1);          // seq 0 fills slab 1
        ring.reading(0);                    // a gathering write of seq 0 in flight
        assertTrue(ring.validate(0));
        for (final String s : new String[] {"bbbbbbbb", "cccccccc", "dddddddd"})
        {
            write(pool.claim(8), s);
            pool.commit(8, 0, -1, -1);      // capacity 2: seq 0 released by seq 2
        }
        assertTrue(ring.isLapped(0), "seq 0 released by the capacity");
        assertEquals(4, pool.slabsAllocated(), "slab 1 is still being read");
        ring.reading(BufferRing.NOT_READING);
        write(pool.claim(8), "eeeeeeee");
        pool.commit(8, 0, -1, -1);
        assertEquals(4, pool.slabsAllocated(), "reused once the read ended");
        assertEquals("eeeeeeee", read(ring, 4));
    }

    @Test
    void discardedBytesAreNeverPublished()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 64);
        write(pool.claim(16), "junkGOOD");
        pool.discard(4);
        assertEquals(4, pool.uncommitted());
        pool.commit(4, 0, -1, -1);
        assertEquals("GOOD", read(ring, 0));
        assertThrows(IllegalArgumentException.class, () -> pool.discard(1));
    }

    @Test
    void commitChecksItsArguments()
    {
        final BufferRing ring = new BufferRing(16, 1 << 20);
        final SlabPool pool = new SlabPool(ring, 16);
        assertThrows(IllegalStateException.class, () -> pool.commit(1, 0, -1, -1));
        write(pool.claim(4), "ab");
        assertThrows(IllegalArgumentException.class, () -> pool.commit(3, 0, -1, -1));
    }
}
