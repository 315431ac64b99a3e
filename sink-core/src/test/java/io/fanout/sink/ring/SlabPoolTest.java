package io.fanout.sink.ring;

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
