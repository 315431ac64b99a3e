/**
 * Internal: the selector thread that owns every client, its state and all socket I/O, and the
 * commands through which other threads reach it. Not part of the public API.
 * <p>
 * Everything here runs on the selector thread unless a method says otherwise; the only
 * cross-thread entry points are {@link io.fanout.sink.internal.agent.SelectorLoop#submit},
 * {@link io.fanout.sink.internal.agent.SinkProxy#wakeIfParked()} and the start/stop methods.
 */
package io.fanout.sink.internal.agent;
