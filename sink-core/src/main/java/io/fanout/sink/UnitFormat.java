package io.fanout.sink;

/** The unit of a limit or burst value, as GstFormat for multihandlesink's {@code unit-format}. */
public enum UnitFormat
{
    /** No value set: for a burst, just the newest buffer. */
    UNDEFINED,
    /** A count of buffers. */
    BUFFERS,
    /** A count of bytes. */
    BYTES,
    /** A duration in nanoseconds, measured on buffer timestamps. */
    TIME
}
