package io.fanout.sink;

import java.util.Map;

/**
 * A consistent snapshot of the sink's statistics, as multihandlesink's properties
 * {@code num-handles}, {@code bytes-served}, {@code bytes-to-serve}, {@code buffers-queued}, plus
 * the statistics of docs/semantics.md A.2.11.
 *
 * @param numHandles     clients currently connected.
 * @param bytesServed    bytes written to all clients, streamheaders included.
 * @param bytesToServe   bytes rendered (streamheaders excluded).
 * @param buffersQueued  buffers in the retained window.
 * @param bytesQueued    bytes in the retained window.
 * @param timeQueuedNs   span of the retained window's timestamps in nanoseconds; 0 when unknown.
 * @param clientsAdded   clients ever added (duplicates excluded).
 * @param clientsRemoved clients removed, per status (every status present, zero when none).
 * @param clientsLapped  clients removed because the queue capacity released a buffer they needed.
 * @param clientsLagging clients with data pending that their socket did not take yet.
 * @param buffersRendered buffers rendered (streamheaders excluded).
 * @param buffersDropped buffers skipped by soft-limit recovery, over every client ever connected.
 * @param producerWaits  buffers whose render or commit waited for a client under back-pressure
 *                       (docs/semantics.md A.2.14); 0 without it.
 * @param producerWaitNs nanoseconds the producer spent in those waits.
 */
public record SinkStats(
    int numHandles,
    long bytesServed,
    long bytesToServe,
    long buffersQueued,
    long bytesQueued,
    long timeQueuedNs,
    long clientsAdded,
    Map<ClientStatus, Long> clientsRemoved,
    long clientsLapped,
    int clientsLagging,
    long buffersRendered,
    long buffersDropped,
    long producerWaits,
    long producerWaitNs)
{
    /**
     * @param status a status.
     * @return how many clients were removed with it.
     */
    public long removed(final ClientStatus status)
    {
        final Long n = clientsRemoved.get(status);
        return n == null ? 0 : n;
    }
}
