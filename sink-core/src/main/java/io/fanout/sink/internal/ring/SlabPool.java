package io.fanout.sink.internal.ring;

import java.nio.ByteBuffer;
import java.util.ArrayList;

/**
 * The producer's direct memory: payloads are written into the current {@link Slab} and published
 * into a {@link BufferRing} from there, so that every client shares the one copy.
 * <p>
 * A retired slab is reused once the ring reports every sequence in it reusable
 * ({@link BufferRing#reusableBefore()}): released by the ring and not being written to a socket
 * at that moment; any such slab will do, not only the oldest. Until then a new slab is allocated.
 * The slabs therefore hold the ring's capacity in bytes plus three slabs (the partly released
 * oldest, the newest, the one being filled), whatever the reader's pace (a lapped client never
 * holds a slab), plus what one socket write in flight pins while the producer laps the ring
 * under it: at most one more capacity and two slabs. Bound: {@code 2 * capacityBytes + 5} slabs
 * of direct memory, typically {@code capacityBytes} + 3 slabs. Producer thread only;
 * allocation-free in steady state.
 */
public final class SlabPool
{
    /** Default slab size: 1 MiB. */
    public static final int DEFAULT_SLAB_BYTES = 1 << 20;

    private final BufferRing ring;
    private final int slabBytes;
    /** Slabs no longer filled, oldest first; some still hold retained buffers. */
    private final ArrayList<Slab> retired = new ArrayList<>();
    private Slab current;
    private int commitOffset;
    private long slabsAllocated;

    /**
     * @param ring      the ring the payloads are published into.
     * @param slabBytes size of each pooled slab in bytes, &gt;= 1.
     */
    public SlabPool(final BufferRing ring, final int slabBytes)
    {
        if (slabBytes < 1)
        {
            throw new IllegalArgumentException("slabBytes = " + slabBytes + " must be >= 1");
        }
        this.ring = ring;
        this.slabBytes = slabBytes;
    }

    /**
     * Claims direct memory to write payload bytes into: the returned view's position is where the
     * next byte goes, and at least {@code minFree} bytes follow it before the limit. Bytes written
     * but not yet committed are kept (moved to a new slab when this one is too full).
     *
     * @param minFree bytes needed after the position, &gt;= 0.
     * @return the producer's view; write from its position, then {@link #commit}.
     */
    public ByteBuffer claim(final int minFree)
    {
        if (current == null || current.capacity() - current.writeView().position() < minFree)
        {
            nextSlab(minFree);
        }
        final ByteBuffer view = current.writeView();
        view.limit(view.capacity());
        return view;
    }

    /**
     * Publishes the oldest {@code length} uncommitted bytes written into the claimed view as one
     * buffer; bytes written beyond them stay uncommitted for the next commit.
     *
     * @param length   payload bytes, 0 .. what was claimed.
     * @param flags    {@code BufferFlags} bits.
     * @param ptsNs    pts in ns or -1.
     * @param durationNs duration in ns or -1.
     * @return the published sequence.
     * @throws IllegalStateException before the first claim.
     * @throws IllegalArgumentException when {@code length} exceeds the claim.
     */
    public long commit(final int length, final int flags, final long ptsNs, final long durationNs)
    {
        if (current == null)
        {
            throw new IllegalStateException("commit without claim");
        }
        if (length < 0 || commitOffset + length > current.writeView().position())
        {
            throw new IllegalArgumentException(
                "length = " + length + " exceeds the " + uncommitted() + " uncommitted bytes written");
        }
        final long seq = ring.publish(current.sendView(), commitOffset, length, flags, ptsNs, durationNs);
        current.lastSeq(seq);
        commitOffset += length;
        return seq;
    }

    /**
     * Drops the oldest {@code length} uncommitted bytes without publishing them (input a framer
     * rejects, such as bytes between lost and regained MPEG-TS sync).
     *
     * @param length bytes to drop, 0 .. {@link #uncommitted()}.
     * @throws IllegalArgumentException when {@code length} exceeds the uncommitted bytes.
     */
    public void discard(final int length)
    {
        if (length < 0 || length > uncommitted())
        {
            throw new IllegalArgumentException(
                "length = " + length + " exceeds the " + uncommitted() + " uncommitted bytes written");
        }
        commitOffset += length;
    }

    /** @return bytes written into the claimed view and not yet committed. */
    public int uncommitted()
    {
        return current == null ? 0 : current.writeView().position() - commitOffset;
    }

    /** @return how many slabs were ever allocated (a pool that keeps up allocates few). */
    public long slabsAllocated()
    {
        return slabsAllocated;
    }

    private void nextSlab(final int minFree)
    {
        // carry bytes written but not committed into the next slab
        final Slab old = current;
        final int carry = uncommitted();
        final int need = carry + minFree;
        Slab next = reuse(need);
        if (next != null)
        {
            next.reset();
        }
        else if (need > slabBytes)
        {
            next = new Slab(need);
            slabsAllocated++;
        }
        else
        {
            next = new Slab(slabBytes);
            slabsAllocated++;
        }
        if (old != null)
        {
            if (carry > 0)
            {
                final ByteBuffer src = old.writeView().duplicate();
                src.limit(src.position()).position(commitOffset);
                next.writeView().put(src);
            }
            if (old.capacity() == slabBytes)
            {
                retired.add(old);
            }
        }
        current = next;
        commitOffset = 0;
    }

    /** @return the oldest retired slab of at least {@code need} bytes that may be reused, or null. */
    private Slab reuse(final int need)
    {
        if (retired.isEmpty())
        {
            return null;
        }
        final long reusableBefore = ring.reusableBefore();
        for (int i = 0, n = retired.size(); i < n; i++)
        {
            final Slab slab = retired.get(i);
            if (slab.lastSeq() < reusableBefore && slab.capacity() >= need)
            {
                return retired.remove(i);
            }
        }
        return null;
    }
}
