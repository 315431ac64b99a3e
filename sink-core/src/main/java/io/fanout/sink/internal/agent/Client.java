package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.internal.ring.Streamheader;

import java.net.InetAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One client: its position in the stream, its state and status, and its statistics. Owned by the
 * selector thread: no field is read or written anywhere else.
 * <p>
 * The state ({@link ClientState}) changes only through the transition methods here
 * ({@link #startAt}, {@link #waitForKeyframe}, {@link #recover}, {@link #beginFlush},
 * {@link #markRemoved}); the parts of the agent decide, and the client carries out.
 * <p>
 * Position: {@link #next} is the absolute sequence of the next buffer to send and {@link #offset}
 * the bytes of it already written; a new buffer in the ring touches no client.
 */
final class Client
{
    final SocketChannel channel;
    /** True when the sink closes the channel on removal (tcpserversink). */
    final boolean ownsChannel;
    /** The peer's IP address when a listener accepted it (counted per address), else null. */
    InetAddress remoteAddress;
    /** The sync method and burst the client was added with. */
    final ClientSync sync;
    /** The newest sequence when {@code add} was called: the client gets nothing at or before it. */
    final long addSeq;

    SelectionKey key;
    private ClientState state = ClientState.NEW;
    private long waitFromSeq;
    long next;
    int offset;
    private Jump jump = Jump.NONE;
    private long jumpSeq;
    /** Lag limits count the buffers from this sequence on (those after its start was decided). */
    long limitsFromSeq;
    /** Monotonic time the client last went from having nothing pending to having data pending. */
    long pendingSinceMonoNs;
    /** Its timer in the agent's timer wheel while it lags with a timeout set, else -1. */
    long timerId = -1;

    boolean headerRecorded;
    Streamheader recordedHeader;
    Streamheader headerInFlight;
    int headerIndex;
    int headerOffset;
    private ClientStatus status = ClientStatus.OK;
    /** While FLUSHING: the last sequence to send before removal; otherwise Long.MAX_VALUE. */
    long flushSeq = Long.MAX_VALUE;
    private boolean removed;
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
        final ClientSync sync,
        final long addSeq,
        final long nowWallNs,
        final long nowMonoNs)
    {
        this.channel = channel;
        this.ownsChannel = ownsChannel;
        this.sync = sync;
        this.addSeq = addSeq;
        this.next = addSeq + 1;
        this.connectTimeNs = nowWallNs;
        this.connectMonoNs = nowMonoNs;
        this.lastActivityTimeNs = nowWallNs;
        this.lastActivityMonoNs = nowMonoNs;
    }

    ClientState state()
    {
        return state;
    }

    ClientStatus status()
    {
        return status;
    }

    /** @return true once the removal procedure has begun: nothing more happens to it. */
    boolean removed()
    {
        return removed;
    }

    /** @return the first sequence a waiting client may start on. */
    long waitFromSeq()
    {
        return waitFromSeq;
    }

    Jump jump()
    {
        return jump;
    }

    long jumpSeq()
    {
        return jumpSeq;
    }

    /**
     * Positioned: it sends from {@code seq}.
     *
     * @param seq       the first sequence to send.
     * @param decidedAt the sequence on whose arrival the start was decided: lag limits count the
     *                  buffers after it.
     */
    void startAt(final long seq, final long decidedAt)
    {
        state = ClientState.STREAMING;
        next = seq;
        offset = 0;
        limitsFromSeq = decidedAt + 1;
    }

    /** @param fromSeq it waits for a keyframe at or after this sequence. */
    void waitForKeyframe(final long fromSeq)
    {
        state = ClientState.WAITING_KEYFRAME;
        waitFromSeq = fromSeq;
        jump = Jump.NONE;
    }

    /**
     * Recovery (docs/semantics.md §6.2): after the buffer it is writing, if any, continue at
     * {@code seq}, or wait for a keyframe from {@code seq} on.
     *
     * @return true when the client must wait for a keyframe now (it was between buffers):
     * the caller moves it to the waiting clients with {@link #waitForKeyframe}.
     */
    boolean recover(final boolean waitKeyframe, final long seq)
    {
        if (midBuffer())
        {
            jump = waitKeyframe ? Jump.WAIT_KEYFRAME : Jump.TO;
            jumpSeq = seq;
            return false;
        }
        jump = Jump.NONE;
        if (waitKeyframe)
        {
            return true;
        }
        next = seq;
        return false;
    }

    /**
     * The buffer in progress is written whole: a pending {@link Jump#TO} takes effect.
     *
     * @return true when a pending {@link Jump#WAIT_KEYFRAME} now sends the client to wait from
     * {@link #jumpSeq()}.
     */
    boolean applyJump()
    {
        if (jump == Jump.NONE || midBuffer())
        {
            return false;
        }
        if (jump == Jump.WAIT_KEYFRAME)
        {
            return true;
        }
        next = Math.max(next, jumpSeq);
        jump = Jump.NONE;
        return false;
    }

    /** remove-flush: status FLUSHING, removed once everything through {@code lastSeq} is written. */
    void beginFlush(final long lastSeq)
    {
        status = ClientStatus.FLUSHING;
        flushSeq = Math.max(lastSeq, next - 1);
    }

    /** @return true while flushing and everything it must flush is written. */
    boolean flushDone()
    {
        return status == ClientStatus.FLUSHING && !midBuffer() && next > flushSeq;
    }

    /**
     * The removal procedure began (docs/semantics.md §2.10).
     *
     * @return false when it had begun already: the caller does nothing more.
     */
    boolean markRemoved(final ClientStatus finalStatus, final long nowMonoNs, final long nowWallNs)
    {
        if (removed)
        {
            return false;
        }
        removed = true;
        status = finalStatus;
        disconnectMonoNs = nowMonoNs;
        disconnectTimeNs = nowWallNs;
        return true;
    }

    /** @return true while the buffer at {@code next} (or a streamheader before it) is partly written. */
    boolean midBuffer()
    {
        return offset > 0 || headerInFlight != null;
    }

    /** @return the sequence of the next whole buffer the client will take (reference: bufpos's buffer). */
    long nextToTake()
    {
        if (jump == Jump.TO)
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

    /** Bytes left its socket at {@code nowMonoNs}. */
    void wrote(final long bytes, final long nowMonoNs, final long nowWallNs)
    {
        bytesSent += bytes;
        lastActivityMonoNs = nowMonoNs;
        lastActivityTimeNs = nowWallNs;
    }
}
