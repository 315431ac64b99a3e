package io.fanout.sink.selector;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client's state. Owned by the selector thread: no field is read or written anywhere else.
 * <p>
 * Position: {@code next} is the absolute sequence of the next buffer to send and {@code offset}
 * the bytes of it already written; a new buffer in the ring touches no client.
 */
final class Client
{
    final SocketChannel channel;
    final boolean ownsChannel;
    final SyncMethod syncMethod;
    final UnitFormat burstMinFormat;
    final long burstMinValue;
    final UnitFormat burstMaxFormat;
    final long burstMaxValue;
    /** The newest sequence when {@code add} was called: the client gets nothing at or before it. */
    final long addSeq;

    SelectionKey key;
    long next;
    int offset;
    ClientStatus status = ClientStatus.OK;
    /** While FLUSHING: the last sequence to send before removal; otherwise Long.MAX_VALUE. */
    long flushSeq = Long.MAX_VALUE;
    boolean removing;
    boolean inputShutdown;

    ClientList list;
    int listIndex = -1;

    long bytesSent;
    long bytesReceived;
    final long connectTimeNs;
    final long connectMonoNs;
    long disconnectTimeNs;
    long disconnectMonoNs;
    long lastActivityTimeNs;
    long lastActivityMonoNs;
    long buffersDropped;
    long firstBufferPtsNs = -1;
    long lastBufferPtsNs = -1;

    Client(
        final SocketChannel channel,
        final boolean ownsChannel,
        final SyncMethod syncMethod,
        final UnitFormat burstMinFormat,
        final long burstMinValue,
        final UnitFormat burstMaxFormat,
        final long burstMaxValue,
        final long addSeq,
        final long nowWallNs,
        final long nowMonoNs)
    {
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        this.syncMethod = syncMethod;
        this.burstMinFormat = burstMinFormat;
        this.burstMinValue = burstMinValue;
        this.burstMaxFormat = burstMaxFormat;
        this.burstMaxValue = burstMaxValue;
        this.addSeq = addSeq;
        this.next = addSeq + 1;
        this.connectTimeNs = nowWallNs;
        this.connectMonoNs = nowMonoNs;
        this.lastActivityTimeNs = nowWallNs;
        this.lastActivityMonoNs = nowMonoNs;
    }

    /** The client took (started writing) a buffer with this pts. @param ptsNs pts in ns or -1. */
    void took(final long ptsNs)
    {
        if (ptsNs >= 0)
        {
            if (firstBufferPtsNs < 0)
            {
                firstBufferPtsNs = ptsNs;
            }
            lastBufferPtsNs = ptsNs;
        }
    }
}
