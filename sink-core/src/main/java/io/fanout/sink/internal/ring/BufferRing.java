package io.fanout.sink.internal.ring;

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
 * (docs/semantics.md A.2.9): a reader that still needed them has been <em>lapped</em>, which it detects
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
 * with acquire semantics; it only grows. {@code holdSeq} (what connected clients need, for
 * back-pressure) may move back, when a client joins with a burst: a producer that read the newer
 * value may lap that client, as without back-pressure. It has two writers, both by
 * compare-and-set: the reader publishes it, and an adder lowers it to the sequence its client
 * will need before the reader has seen that client; while adds are in flight the reader only
 * lowers it ({@link #hold(long, java.util.concurrent.atomic.AtomicInteger)}).</li>
 * <li>Payload reuse (a Dekker pair): before it reads payload memory (a gathering write to a
 * socket) the reader stores the oldest sequence it is about to read in {@code readingSeq}
 * (volatile), then validates that sequence against {@code tail}; the producer, before it reuses
 * payload memory, issues a full fence after its {@code tail} stores and then loads
 * {@code readingSeq}. Either the reader sees the new tail (it is lapped and reads nothing) or the
 * producer sees the read in flight (and does not reuse that memory).</li>
 * </ol>
 * Payload memory is never reused while the reader may still be writing it to a socket: a
 * {@link SlabPool} reuses a slab only when every sequence in it is older than both {@code tail}
 * and any read in flight (see {@link #reusableBefore()}). Reuse does not wait for the reader's
 * retention ({@code retainSeq}): a reader that is late to publish it (a descheduled selector
 * thread) cannot make the producer allocate more memory than the capacity.
 */
public final class BufferRing extends RingPadding3
{
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle RETAIN_SEQ;
    private static final VarHandle READING_SEQ;
    private static final VarHandle HOLD_SEQ;
    private static final VarHandle WAITS;
    private static final VarHandle WAIT_NS;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(RingProducerFields.class, "head", long.class);
            TAIL = lookup.findVarHandle(RingProducerFields.class, "tail", long.class);
            RETAIN_SEQ = lookup.findVarHandle(RingReaderFields.class, "retainSeq", long.class);
            READING_SEQ = lookup.findVarHandle(RingReaderFields.class, "readingSeq", long.class);
            HOLD_SEQ = lookup.findVarHandle(RingReaderFields.class, "holdSeq", long.class);
            WAITS = lookup.findVarHandle(BufferRing.class, "producerWaits", long.class);
            WAIT_NS = lookup.findVarHandle(BufferRing.class, "producerWaitNs", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** {@link #reading(long)}: no payload read in flight. */
    public static final long NOT_READING = Long.MAX_VALUE;

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


    // producer-only state
    private long producerHead = -1;
    private long producerTail = 0;
    private long retainedBytes;
    private long lastKeyframeSeq = NO_KEYFRAME;
    private long totalBytes;
    private long forcedReleases;
    private Streamheader producerStreamheader;
    /** Buffers the producer waited for under back-pressure: producer writes (opaque), any thread reads. */
    private long producerWaits;
    /** Nanoseconds the producer waited under back-pressure: producer writes (opaque), any thread reads. */
    private long producerWaitNs;

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
        // capacity (docs/semantics.md A.2.9): the new buffer plus what stays must fit; the newest buffer always stays
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
     * Producer thread: the streamheader for every buffer published from now on (docs/semantics.md A.2.4: a header
     * change is a point in the buffer sequence).
     *
     * @param streamheader the header, or null for none.
     */
    public void streamheader(final Streamheader streamheader)
    {
        producerStreamheader = streamheader;
    }

    /**
     * Producer thread: whether publishing a buffer of {@code length} bytes now would release, for
     * the capacity, a sequence that a connected client still needs (docs/semantics.md A.2.14).
     * Also true while the hold names a sequence already released: its client was lapped, and
     * until the reader publishes a new hold, what the other clients need is unknown.
     *
     * @param length payload bytes of the next buffer.
     * @return true when the publish would lap a client.
     */
    public boolean wouldLapHeld(final int length)
    {
        final long hold = (long)HOLD_SEQ.getAcquire(this);
        if (hold > producerHead)
        {
            return false; // nobody needs a retained sequence
        }
        if (hold < producerTail)
        {
            // only a forced release gets here (retention never passes the hold): the client that held it
            // was lapped; wait for the reader thread to say what the others need, or they are lapped too
            return true;
        }
        final long seq = producerHead + 1;
        final long bytesFromHold = totalBytes - bytesBefore[(int)hold & mask];
        return seq - hold + 1 > capacityBuffers || bytesFromHold + length > capacityBytes;
    }

    /**
     * Producer thread: count one wait under back-pressure.
     *
     * @param waitedNs how long it lasted, in ns.
     */
    public void countWait(final long waitedNs)
    {
        WAITS.setOpaque(this, producerWaits + 1);
        WAIT_NS.setOpaque(this, producerWaitNs + waitedNs);
    }

    /** Any thread: @return buffers whose publish waited under back-pressure. */
    public long producerWaits()
    {
        return (long)WAITS.getOpaque(this);
    }

    /** Any thread: @return nanoseconds the producer spent waiting under back-pressure. */
    public long producerWaitNs()
    {
        return (long)WAIT_NS.getOpaque(this);
    }

    /** Producer thread: @return the current streamheader, or null. */
    public Streamheader producerStreamheader()
    {
        return producerStreamheader;
    }

    /** Producer thread: @return the bytes of every buffer published so far. */
    public long producerTotalBytes()
    {
        return totalBytes;
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
     * Producer thread: the payload memory of the sequences older than the returned one may be
     * reused: the ring released them, and no read of their payload is in flight on the reader
     * thread (see the class comment, (4)). A reader that still needs a released sequence has been
     * lapped and will not read it.
     *
     * @return {@code min(tail, readingSeq)}.
     */
    public long reusableBefore()
    {
        VarHandle.fullFence(); // (4): the tail stores of publish before, the load of readingSeq after
        return Math.min(producerTail, (long)READING_SEQ.getVolatile(this));
    }

    /**
     * After the sink closed: drop every buffer and streamheader reference, so that a closed sink
     * holds none of the buffers rendered into it (sequences and byte counts stay, for statistics).
     * Called by the reader thread once it has stopped, and by the producer after a publish that
     * raced with the close (so that a buffer published meanwhile does not stay behind).
     */
    public void releaseReferences()
    {
        java.util.Arrays.fill(buffers, null);
        java.util.Arrays.fill(streamheaders, null);
    }

    /**
     * Reader thread: about to read the payload memory of {@code seq} and newer sequences (a
     * gathering write), or done with it ({@link #NOT_READING}). Call it before {@link #validate}
     * of {@code seq}: the producer will not reuse that memory until the next call.
     *
     * @param seq the oldest sequence whose payload is read, or {@link #NOT_READING}.
     */
    public void reading(final long seq)
    {
        READING_SEQ.setVolatile(this, seq);
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

    /**
     * Reader thread: the oldest sequence a connected client still needs, for back-pressure
     * ({@link #wouldLapHeld}); {@code Long.MAX_VALUE} when none needs a retained one. Unlike
     * {@link #retain} it may move back (a client joining with a burst).
     *
     * @param seq the oldest sequence a client needs.
     */
    public void hold(final long seq)
    {
        HOLD_SEQ.setVolatile(this, seq);
    }

    /**
     * Reader thread: {@link #hold} unless a client is being added, in which case the hold only
     * goes down ({@link #holdAtMost}), as an adder asked. {@code addsInFlight} is read after the
     * hold and before the compare-and-set, so an adder that lowers the hold meanwhile makes the
     * set fail and the loop see its count.
     *
     * @param seq          the oldest sequence a connected client needs.
     * @param addsInFlight the count of adds between their read of the head and their execution.
     */
    public void hold(final long seq, final java.util.concurrent.atomic.AtomicInteger addsInFlight)
    {
        while (true)
        {
            final long current = (long)HOLD_SEQ.getVolatile(this);
            final long next = addsInFlight.get() > 0 ? Math.min(current, seq) : seq;
            if (next == current || HOLD_SEQ.compareAndSet(this, current, next))
            {
                if (next > current && addsInFlight.get() > 0)
                {
                    holdAtMost(current); // an add began meanwhile, with nothing to lower: keep what was held
                }
                return;
            }
        }
    }

    /**
     * Any thread (an adder): lower the hold to {@code seq} if it is above, so that the producer
     * waits for a client that is about to be added (back-pressure) before the reader has seen it.
     *
     * @param seq the first sequence the new client may need.
     */
    public void holdAtMost(final long seq)
    {
        long current;
        do
        {
            current = (long)HOLD_SEQ.getVolatile(this);
        }
        while (current > seq && !HOLD_SEQ.compareAndSet(this, current, seq));
    }

    /** Any thread: @return what the reader last published with {@link #hold}. */
    public long holdSeq()
    {
        return (long)HOLD_SEQ.getAcquire(this);
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

/** Cache-line padding ahead of the producer's fields (the JCTools idiom: padding by inheritance). */
abstract class RingPadding0
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** Written by the producer only, read by the reader: on a cache line of their own. */
abstract class RingProducerFields extends RingPadding0
{
    /** Newest published sequence; -1 before the first. Producer: volatile store. */
    volatile long head = -1;
    /** Oldest retained sequence. Producer: release store, then a store-store fence. */
    volatile long tail;
}

/** Padding between the producer's and the reader's fields. */
abstract class RingPadding1 extends RingProducerFields
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;
}

/** Written by the reader only, read by the producer: on a cache line of its own. */
abstract class RingReaderFields extends RingPadding1
{
    /** Oldest sequence the reader still needs. Reader: release store; only grows. */
    volatile long retainSeq;
    /** Oldest sequence whose payload the reader is reading now, or Long.MAX_VALUE. Reader: volatile store. */
    volatile long readingSeq = Long.MAX_VALUE;
    /** Oldest sequence a connected client still needs, or Long.MAX_VALUE. Reader: release store; may move back. */
    volatile long holdSeq = Long.MAX_VALUE;
}

/** Padding after the reader's field, before the ring's own (mostly final) fields. */
abstract class RingPadding3 extends RingReaderFields
{
    byte p300, p301, p302, p303, p304, p305, p306, p307, p308, p309, p310, p311, p312, p313, p314, p315;
    byte p316, p317, p318, p319, p320, p321, p322, p323, p324, p325, p326, p327, p328, p329, p330, p331;
    byte p332, p333, p334, p335, p336, p337, p338, p339, p340, p341, p342, p343, p344, p345, p346, p347;
    byte p348, p349, p350, p351, p352, p353, p354, p355, p356, p357, p358, p359, p360, p361, p362, p363;
}
