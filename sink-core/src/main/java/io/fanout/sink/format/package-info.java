/**
 * Input framers: turn a byte stream into buffers (with flags, timestamps and streamheaders) and
 * render them into a {@link io.fanout.sink.MultiSocketSink}. Used by the CLI, usable by pipelines.
 * A framer runs on the sink's producer thread.
 */
package io.fanout.sink.format;
