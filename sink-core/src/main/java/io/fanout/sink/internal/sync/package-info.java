/**
 * Internal: the sync and lag decisions of multihandlesink as pure functions over a
 * {@link io.fanout.sink.internal.sync.QueueView} (index 0 = newest), with no sockets and no threads, so that
 * they can be tested against the worked tables of docs/semantics.md. Part A of the semantics overrides
 * the reference where they differ; each function says which rule it follows.
 */
package io.fanout.sink.internal.sync;
