package io.fanout.sink.internal.agent;

/**
 * A recovery decided while a client was in the middle of a buffer: it takes effect once that
 * buffer is written whole, so that no client ever receives half a buffer (docs/semantics.md §6.2).
 */
enum Jump
{
    /** No recovery pending. */
    NONE,
    /** After the buffer in progress, continue at {@code Client.jumpSeq}. */
    TO,
    /** After the buffer in progress, wait for the next keyframe from {@code Client.jumpSeq} on. */
    WAIT_KEYFRAME
}
