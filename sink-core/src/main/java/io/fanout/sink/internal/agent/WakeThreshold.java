package io.fanout.sink.internal.agent;

/**
 * The bytes a new head must bring to be worth waking the selector thread (docs/threading.md,
 * "Wake-ups"), on a cache line of its own: the selector thread writes it (only when it changes),
 * the producer reads it after every publish, and neither should pay for the other's neighbours
 * (the agent's per-cycle fields, the idle's {@code parked} flag).
 */
final class WakeThreshold extends WakeThresholdValue
{
    byte p100, p101, p102, p103, p104, p105, p106, p107, p108, p109, p110, p111, p112, p113, p114, p115;
    byte p116, p117, p118, p119, p120, p121, p122, p123, p124, p125, p126, p127, p128, p129, p130, p131;
    byte p132, p133, p134, p135, p136, p137, p138, p139, p140, p141, p142, p143, p144, p145, p146, p147;
    byte p148, p149, p150, p151, p152, p153, p154, p155, p156, p157, p158, p159, p160, p161, p162, p163;

    /** Any thread: @return the threshold in bytes published in all. */
    long get()
    {
        return bytes;
    }

    /** Any thread: @return the sequence that makes a full batch of buffers. */
    long seq()
    {
        return seq;
    }

    /**
     * Selector thread: the new thresholds; each stored only when it differs.
     *
     * @param nextBytes bytes published in all.
     * @param nextSeq   the newest sequence.
     */
    void set(final long nextBytes, final long nextSeq)
    {
        if (nextSeq != seq)
        {
            seq = nextSeq;
        }
        if (nextBytes != bytes)
        {
            bytes = nextBytes;
        }
    }
}

/** Padding ahead of the value (the JCTools idiom: padding by inheritance). */
abstract class WakeThresholdPadding
{
    byte p000, p001, p002, p003, p004, p005, p006, p007, p008, p009, p010, p011, p012, p013, p014, p015;
    byte p016, p017, p018, p019, p020, p021, p022, p023, p024, p025, p026, p027, p028, p029, p030, p031;
    byte p032, p033, p034, p035, p036, p037, p038, p039, p040, p041, p042, p043, p044, p045, p046, p047;
    byte p048, p049, p050, p051, p052, p053, p054, p055, p056, p057, p058, p059, p060, p061, p062, p063;
}

/** The value, written by the selector thread (volatile store), read by the producer. */
abstract class WakeThresholdValue extends WakeThresholdPadding
{
    /** 0: any new buffer; see {@link SinkAgent#wakeAtBytes()}. */
    volatile long bytes;
    /** 0: any new buffer. */
    volatile long seq;
}
