package io.fanout.sink;

/**
 * A consistent snapshot of one client's statistics, as multihandlesink's {@code get-stats}.
 * Times are nanoseconds: {@code connectTimeNs}, {@code disconnectTimeNs} and
 * {@code lastActivityTimeNs} on the wall clock since the epoch, durations on the monotonic clock.
 *
 * @param bytesSent          bytes written to the client, streamheaders and partial writes included.
 * @param bytesReceived      bytes the client sent, read and discarded (docs/semantics.md A.2.6).
 * @param connectTimeNs      wall clock when the client was added.
 * @param disconnectTimeNs   wall clock when its removal started; 0 while connected.
 * @param connectedDurationNs time connected, up to now or to the removal.
 * @param lastActivityTimeNs wall clock of the last successful write, or connectTimeNs if none.
 * @param buffersDropped     buffers skipped by soft-limit recovery.
 * @param firstBufferPtsNs   pts of the first timestamped buffer the client took, or -1.
 * @param lastBufferPtsNs    pts of the last timestamped buffer the client took, or -1.
 * @param lagBuffers         buffers rendered that the client has not finished receiving.
 * @param lagBytes           bytes rendered that the client has not received.
 * @param status             the client's status.
 * @param syncMethod         the sync method it was added with.
 */
public record ClientStats(
    long bytesSent,
    long bytesReceived,
    long connectTimeNs,
    long disconnectTimeNs,
    long connectedDurationNs,
    long lastActivityTimeNs,
    long buffersDropped,
    long firstBufferPtsNs,
    long lastBufferPtsNs,
    long lagBuffers,
    long lagBytes,
    ClientStatus status,
    SyncMethod syncMethod)
{
}
