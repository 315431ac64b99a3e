package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStats;
import io.fanout.sink.ClientStatus;
import io.fanout.sink.SinkStats;
import io.fanout.sink.internal.ring.BufferRing;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Builds the statistics records from the selector thread's state and the ring. Selector thread
 * only (or after the loop stopped); lag and queue figures re-validate what they read of the ring.
 */
final class Snapshots
{
    /** {@link #sink}'s {@code retainedOldest} once the sink closed: the queue was released. */
    static final long RELEASED = Long.MAX_VALUE;

    private Snapshots()
    {
    }

    /**
     * @param ring   the ring.
     * @param client the client.
     * @return a snapshot of the client's statistics.
     */
    static ClientStats client(final BufferRing ring, final Client client)
    {
        final long head = ring.head();
        final long lagBuffers = client.state() == ClientState.STREAMING ? Math.max(0, head - client.next + 1) : 0;
        long lagBytes = 0;
        if (lagBuffers > 0)
        {
            final long end = ring.bytesBefore(head) + ring.length(head);
            final long start = ring.bytesBefore(client.next) + client.offset;
            lagBytes = ring.validate(client.next) ? Math.max(0, end - start) : 0;
        }
        final long now = System.nanoTime();
        final long durationNs = client.removed() ?
            client.disconnectMonoNs - client.connectMonoNs : now - client.connectMonoNs;
        return new ClientStats(
            client.bytesSent,
            client.bytesReceived,
            client.connectTimeNs,
            client.disconnectTimeNs,
            durationNs,
            client.lastActivityTimeNs,
            client.buffersDropped,
            client.firstBufferPtsNs,
            client.lastBufferPtsNs,
            lagBuffers,
            lagBytes,
            client.status(),
            client.sync.syncMethod());
    }

    /**
     * @param ring            the ring.
     * @param retainedOldest  the oldest sequence of the retained window, or {@link #RELEASED}.
     * @param numHandles      clients connected.
     * @param bytesServed     bytes written to every client.
     * @param clientsAdded    clients ever added.
     * @param removedByStatus removals per status ordinal.
     * @param clientsLapped   clients removed because the capacity released what they needed.
     * @param clientsLagging  clients with data pending that their socket did not take yet.
     * @param buffersDropped  buffers skipped by recovery, over every client.
     * @return a snapshot of the sink's statistics.
     */
    static SinkStats sink(
        final BufferRing ring,
        final long retainedOldest,
        final int numHandles,
        final long bytesServed,
        final long clientsAdded,
        final long[] removedByStatus,
        final long clientsLapped,
        final int clientsLagging,
        final long buffersDropped)
    {
        long buffersQueued = 0;
        long bytesQueued = 0;
        long timeQueuedNs = 0;
        long bytesToServe = 0;
        long buffersRendered = 0;
        for (int attempt = 0; attempt < 8; attempt++)
        {
            final long head = ring.head();
            if (head < 0)
            {
                break;
            }
            // released: nothing queued; bytes-to-serve still counts what was rendered
            final long tail = retainedOldest == RELEASED ? head : Math.max(ring.tail(), Math.min(retainedOldest, head));
            if (tail > head)
            {
                continue;
            }
            final long end = ring.bytesBefore(head) + ring.length(head);
            final long start = ring.bytesBefore(tail);
            final long newestPts = ring.ptsNs(head);
            final long oldestPts = ring.ptsNs(tail);
            if (ring.validate(retainedOldest == RELEASED ? head : tail))
            {
                final boolean queued = retainedOldest != RELEASED;
                buffersQueued = queued ? head - tail + 1 : 0;
                bytesQueued = queued ? end - start : 0;
                bytesToServe = end;
                buffersRendered = head + 1;
                timeQueuedNs = queued && newestPts >= 0 && oldestPts >= 0 ? Math.max(0, newestPts - oldestPts) : 0;
                break;
            }
        }
        final Map<ClientStatus, Long> removed = new EnumMap<>(ClientStatus.class);
        for (final ClientStatus status : ClientStatus.values())
        {
            removed.put(status, removedByStatus[status.ordinal()]);
        }
        return new SinkStats(numHandles, bytesServed, bytesToServe, buffersQueued, bytesQueued, timeQueuedNs,
            clientsAdded, Collections.unmodifiableMap(removed), clientsLapped, clientsLagging, buffersRendered,
            buffersDropped, ring.producerWaits(), ring.producerWaitNs());
    }
}
