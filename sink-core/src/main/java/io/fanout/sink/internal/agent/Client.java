package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import io.fanout.sink.internal.ring.Streamheader;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client's state. Owned by the selector thread: no field is read or written anywhere else.
 * <p>
 * State machine (design.md): {@link #NEW} (waiting for the first buffer rendered after its add)
 * -&gt; positioned by its sync method, possibly via {@link #WAITING_KEYFRAME} -&gt;
 * {@link #STREAMING} -&gt; flushing (status FLUSHING) -&gt; removed.
 * <p>
 * Position: {@code next} is the absolute sequence of the next buffer to send and {@code offset}
 * the bytes of it already written; a new buffer in the ring touches no client.
 */
final class Client
{
    /** Added; nothing decided until the first buffer after the add exists. */
    static final int NEW = 0;
    /** Waits for a keyframe at or after {@link #waitFromSeq} (next-keyframe). */
    static final int WAITING_KEYFRAME = 1;
    /** Positioned: sends from {@link #next}. */
    static final int STREAMING = 2;

    /** No recovery jump pending. */
    static final int JUMP_NONE = 0;
    /** After the buffer in progress, continue at {@link #jumpSeq}. */
    static final int JUMP_TO = 1;
    /** After the buffer in progress, wait for the next keyframe from {@link #jumpSeq}. */
    static final int JUMP_WAIT_KEYFRAME = 2;

    final SocketChannel channel;
    final boolean ownsChannel;
    /** The sync method the client was added with. */
    final SyncMethod syncMethod;
    final UnitFormat burstMinFormat;
    final long burstMinValue;
    final UnitFormat burstMaxFormat;
    final long burstMaxValue;
    /** The newest sequence when {@code add} was called: the client gets nothing at or before it. */
    final long addSeq;

    SelectionKey key;
    int state = NEW;
    long waitFromSeq;
    long next;
    int offset;
    int jumpMode = JUMP_NONE;
    long jumpSeq;
    /** Lag limits count the buffers from this sequence on (those after its start was decided). */
    long limitsFromSeq;
    /** Monotonic time the client last went from having nothing pending to having data pending. */
    long pendingSinceMonoNs;

    boolean headerRecorded;
    Streamheader recordedHeader;
    Streamheader headerInFlight;
    int headerIndex;
    int headerOffset;
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

    /** @return true while the buffer at {@code next} (or a streamheader before it) is partly written. */
    boolean midBuffer()
    {
        return offset > 0 || headerInFlight != null;
    }

    /** @return the sequence of the next whole buffer the client will take (reference: bufpos's buffer). */
    long nextToTake()
    {
        if (jumpMode == JUMP_TO)
        {
            return jumpSeq;
        }
        return offset > 0 ? next + 1 : next;
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
