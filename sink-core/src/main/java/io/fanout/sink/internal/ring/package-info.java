/**
 * Internal: the single-producer ring of keyframe-tagged buffers and the direct-memory slabs that
 * hold their payloads. Not part of the public API: it may change in any release.
 * <p>
 * Threads: exactly one producer thread (the sink's {@code render} caller) writes; exactly one
 * reader thread (the sink's selector thread) reads. The memory-ordering rules each relies on are
 * written next to the fields of {@link io.fanout.sink.internal.ring.BufferRing}.
 */
package io.fanout.sink.internal.ring;
