package io.fanout.sink.ring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A lock-free ring of buffers for one producer thread and one reader thread, with 64-bit
 * sequence numbers that only grow.
 * <p>
 * <b>Window.</b> The ring holds the sequences {@code tail .. head}. The producer publishes a new
 * buffer as {@code head + 1}. The reader asks for the oldest sequence it still needs with
 * {@link #retain(long)}; on its next {@link #publish} the producer releases everything older (but
 * always keeps the newest buffer). The producer also releases the oldest buffers, whatever the
 * reader asked, when keeping the new one would exceed the capacity in buffers or in bytes
 * (semantics A.2.9): a reader that still needed them has been <em>lapped</em>, which it detects
 * with {@link #isLapped(long)} and {@link #validate(long)}.
 * <p>
 * <b>Threads.</b> {@link #publish}, {@link #claimSeq()} and the {@code producer*} accessors: the
 * producer thread only. {@link #retain(long)}, the slot accessors and {@link #validate(long)}: the
 * reader thread only. {@link #head()}, {@link #tail()} and the counters: any thread.
 * <p>
 * <b>Memory ordering</b> (the JCTools / Agrona broadcast idiom):
 * <ol>
 * <li>The producer writes a slot's fields with plain stores, then stores {@code head} with
 * volatile semantics. A reader that loads {@code head} (acquire) sees every field of every slot
 * up to it. The store is volatile rather than release because the producer then reads the
 * reader's parked flag (a Dekker pair with {@code SelectorLoop}); see {@link #publish}.</li>
 * <li>Before the producer overwrites a slot it advances {@code tail} past the slot's old sequence
 * and issues a store-store fence, so the new {@code tail} is visible no later than any new field
 * value. A reader that read a slot's fields, then issues a load-load fence and finds
 * {@code seq >= tail}, read the fields of {@code seq} and not of a later buffer.</li>
 * <li>{@code retainSeq} is written by the reader with release semantics and read by the producer
 * with acquire semantics; it only grows.</li>
 * </ol>
 * Payload memory is never reused while the reader may still be writing it to a socket: a
 * {@link SlabPool} reuses a slab only when every sequence in it is older than both {@code tail}
 * and {@code retainSeq} (see {@link #reclaimableBefore()}).
 */
public final class BufferRing
{
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle RETAIN_SEQ;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(BufferRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(BufferRing.class, "tail", long.class);
            RETAIN_SEQ = lookup.findVarHandle(BufferRing.class, "retainSeq", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** No keyframe at or before a sequence. */
    public static final long NO_KEYFRAME = -1;

    private final int mask;
    private final int capacityBuffers;
    private final long capacityBytes;

    // slot fields: written by the producer (plain) before head is published, read by the reader
    private final ByteBuffer[] buffers;
    private final int[] offsets;
    private final int[] lengths;
    private final int[] flags;
    private final long[] ptsNs;
    private final long[] durationsNs;
    private final long[] prevKeyframeSeqs;
    private final long[] bytesBefore;
    private final Streamheader[] streamheaders;

    // newest published sequence; -1 before the first. Written by the producer (volatile store).
    @SuppressWarnings("unused")
    private volatile long head = -1;
    // oldest retained sequence; written by the producer (release + store-store fence).
    @SuppressWarnings("unused")
    private volatile long tail = 0;
    // oldest sequence the reader still needs; written by the reader (release).
    @SuppressWarnings("unused")
    private volatile long retainSeq = 0;

    // producer-only state
    private long producerHead = -1;
    private long producerTail = 0;
    private long retainedBytes;
    private long lastKeyframeSeq = NO_KEYFRAME;
    private long totalBytes;
    private long forcedReleases;
    private Streamheader producerStreamheader;

    /**
     * @param capacityBuffers most buffers retained at once, 1 .. 2^30.
     * @param capacityBytes   most payload bytes retained at once, &gt;= 1; a single buffer larger than
     *                        this is still retained alone.
     * @throws IllegalArgumentException for a capacity out of range.
     */
    public BufferRing(final int capacityBuffers, final long capacityBytes)
    {
        if (capacityBuffers < 1 || capacityBuffers > (1 << 30))
        {
            throw new IllegalArgumentException("capacityBuffers = " + capacityBuffers + " is out of range 1..2^30");
        }
        if (capacityBytes < 1)
        {
            throw new IllegalArgumentException("capacityBytes = " + capacityBytes + " must be >= 1");
        }
        final int size = 1 << (32 - Integer.numberOfLeadingZeros(capacityBuffers - 1));
        this.mask = size - 1;
        this.capacityBuffers = capacityBuffers;
        this.capacityBytes = capacityBytes;
        buffers = new ByteBuffer[size];
        offsets = new int[size];
        lengths = new int[size];
        flags = new int[size];
        ptsNs = new long[size];
        durationsNs = new long[size];
        prevKeyframeSeqs = new long[size];
        bytesBefore = new long[size];
        streamheaders = new Streamheader[size];
    }

    /** @return the capacity in buffers. */
    public int capacityBuffers()
    {
        return capacityBuffers;
    }

    /** @return the capacity in bytes. */
    public long capacityBytes()
    {
        return capacityBytes;
    }

    /**
     * Producer thread: publishes one buffer as sequence {@code head + 1}, first releasing what the
     * reader no longer needs and what the capacity does not allow.
     *
     * @param buffer     direct memory shared with the reader; its position and limit belong to the
     *                   reader from now on.
     * @param offset     first byte of the payload in {@code buffer}.
     * @param length     payload size in bytes, &gt;= 0.
     * @param bufferFlags {@code BufferFlags} bits.
     * @param pts        presentation time in ns, or -1 when unknown.
     * @param duration   duration in ns, or -1 when unknown.
     * @return the sequence number of the buffer.
     */
    public long publish(
        final ByteBuffer buffer, final int offset, final int length, final int bufferFlags,
        final long pts, final long duration)
    {
        final long seq = producerHead + 1;
        final long wanted = Math.min((long)RETAIN_SEQ.getAcquire(this), seq);
        long newTail = Math.max(producerTail, wanted);
        long bytes = retainedBytes;
        for (long s = producerTail; s < newTail; s++)
        {
            bytes -= lengths[(int)s & mask];
        }
        // capacity (A.2.9): the new buffer plus what stays must fit; the newest buffer always stays
        while (newTail < seq && (seq - newTail + 1 > capacityBuffers || bytes + length > capacityBytes))
        {
            bytes -= lengths[(int)newTail & mask];
            newTail++;
            forcedReleases++;
        }
        if (newTail != producerTail)
        {
            TAIL.setRelease(this, newTail);
            // (2) the new tail is visible no later than any slot store below, the clearing included
            VarHandle.storeStoreFence();
            for (long s = producerTail; s < newTail; s++)
            {
                buffers[(int)s & mask] = null; // the garbage collector may take a buffer nobody else holds
                streamheaders[(int)s & mask] = null;
            }
            producerTail = newTail;
        }

        final int i = (int)seq & mask;
        buffers[i] = buffer;
        offsets[i] = offset;
        lengths[i] = length;
        flags[i] = bufferFlags;
        ptsNs[i] = pts;
        durationsNs[i] = duration;
        streamheaders[i] = producerStreamheader;
        if ((bufferFlags & 1) == 0) // BufferFlags.DELTA_UNIT
        {
            lastKeyframeSeq = seq;
        }
        prevKeyframeSeqs[i] = lastKeyframeSeq;
        bytesBefore[i] = totalBytes;
        totalBytes += length;
        retainedBytes = bytes + length;
        producerHead = seq;
        // (1) publication; volatile so that the reader's parked flag, read next, is not read early
        HEAD.setVolatile(this, seq);
        return seq;
    }

    /**
     * Producer thread: the streamheader for every buffer published from now on (A.2.4: a header
     * change is a point in the buffer sequence).
     *
     * @param streamheader the header, or null for none.
     */
    public void streamheader(final Streamheader streamheader)
    {
        producerStreamheader = streamheader;
    }

    /** Producer thread: @return the current streamheader, or null. */
    public Streamheader producerStreamheader()
    {
        return producerStreamheader;
    }

    /** Producer thread: @return the sequence the next {@link #publish} will use. */
    public long claimSeq()
    {
        return producerHead + 1;
    }

    /** Producer thread: @return bytes retained (in the window), as the producer last left it. */
    public long producerRetainedBytes()
    {
        return retainedBytes;
    }

    /** Producer thread: @return how many buffers the capacity forced out while the reader still wanted them. */
    public long forcedReleases()
    {
        return forcedReleases;
    }

    /** Any thread: @return the newest published sequence (acquire), -1 before the first. */
    public long head()
    {
        return (long)HEAD.getAcquire(this);
    }

    /** Any thread: @return the oldest retained sequence (acquire). */
    public long tail()
    {
        return (long)TAIL.getAcquire(this);
    }

    /**
     * Any thread: the sequences older than the returned one are referenced by neither the ring nor
     * the reader, so their payload memory may be reused.
     *
     * @return {@code min(tail, retainSeq)}.
     */
    public long reclaimableBefore()
    {
        return Math.min((long)TAIL.getAcquire(this), (long)RETAIN_SEQ.getAcquire(this));
    }

    /**
     * Reader thread: the reader needs no sequence older than {@code seq} any more. Only grows;
     * a smaller value is ignored.
     *
     * @param seq the oldest sequence still needed.
     */
    public void retain(final long seq)
    {
        if (seq > (long)RETAIN_SEQ.getOpaque(this))
        {
            RETAIN_SEQ.setRelease(this, seq);
        }
    }

    /** Any thread: @return the oldest sequence the reader last said it needs. */
    public long retainSeq()
    {
        return (long)RETAIN_SEQ.getAcquire(this);
    }

    /**
     * Reader thread: true when {@code seq} is no longer in the ring (released by capacity or
     * retention), so its slot may hold a later buffer.
     *
     * @param seq a sequence not newer than {@link #head()}.
     * @return whether the sequence was released.
     */
    public boolean isLapped(final long seq)
    {
        return seq < (long)TAIL.getAcquire(this);
    }

    /**
     * Reader thread: call after reading slot fields of {@code seq} (and of any newer sequence): true
     * when what was read belongs to {@code seq}, false when the producer may have overwritten it.
     *
     * @param seq the oldest sequence whose fields were read.
     * @return whether the reads were valid.
     */
    public boolean validate(final long seq)
    {
        VarHandle.loadLoadFence(); // (2): fields read above, tail read below
        return seq >= (long)TAIL.getAcquire(this);
    }

    /** Reader thread: @param seq a published sequence. @return its buffer. */
    public ByteBuffer buffer(final long seq)
    {
        return buffers[(int)seq & mask];
    }

    /** Reader thread: @param seq a published sequence. @return its payload offset in {@link #buffer}. */
    public int offset(final long seq)
    {
        return offsets[(int)seq & mask];
    }

    /** Reader thread: @param seq a published sequence. @return its payload size in bytes. */
    public int length(final long seq)
    {
        return lengths[(int)seq & mask];
    }

    /** Reader thread: @param seq a published sequence. @return its {@code BufferFlags}. */
    public int flags(final long seq)
    {
        return flags[(int)seq & mask];
    }

    /** Reader thread: @param seq a published sequence. @return its pts in ns, -1 when unknown. */
    public long ptsNs(final long seq)
    {
        return ptsNs[(int)seq & mask];
    }

    /** Reader thread: @param seq a published sequence. @return its duration in ns, -1 when unknown. */
    public long durationNs(final long seq)
    {
        return durationsNs[(int)seq & mask];
    }

    /** Reader thread: @param seq a published sequence. @return the streamheader current when it was published, or null. */
    public Streamheader streamheader(final long seq)
    {
        return streamheaders[(int)seq & mask];
    }

    /**
     * Reader thread: O(1) keyframe search backwards.
     *
     * @param seq a published sequence.
     * @return the newest keyframe sequence at or before {@code seq}, or {@link #NO_KEYFRAME}; it may
     * be older than {@link #tail()}.
     */
    public long prevKeyframe(final long seq)
    {
        return prevKeyframeSeqs[(int)seq & mask];
    }

    /**
     * Reader thread: bytes published before {@code seq}, so that the bytes between two sequences
     * are a subtraction.
     *
     * @param seq a published sequence.
     * @return the byte total of every buffer older than {@code seq}.
     */
    public long bytesBefore(final long seq)
    {
        return bytesBefore[(int)seq & mask];
    }
}
