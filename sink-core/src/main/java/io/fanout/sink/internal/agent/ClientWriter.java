package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.Streamheader;

import java.io.IOException;

/**
 * One client's turn of writes: gathering writes from its position until it is caught up, its
 * socket is full, its turn is over, or something ends it; the streamheader it needs goes first
 * (docs/semantics.md §7 with A.2.4). Returns a {@link WriteOutcome}; the agent carries it out
 * (list moves, interest ops, removal). Nothing is copied per client and nothing is allocated per
 * write ({@link GatherWriter}). Selector thread only.
 */
final class ClientWriter
{
    /**
     * Most bytes one client is handed per turn (a round of caught-up clients, or one OP_WRITE
     * readiness) before the next client's turn: round-robin fairness under load. 256 KiB.
     */
    static final long WRITE_QUANTUM_BYTES = 256 * 1024;

    private final BufferRing ring;
    private final GatherWriter writer;
    private final boolean resendStreamheader;
    private Exception failure;
    private long bytesServed;

    ClientWriter(final BufferRing ring, final boolean resendStreamheader)
    {
        this.ring = ring;
        this.writer = new GatherWriter(ring);
        this.resendStreamheader = resendStreamheader;
    }

    /**
     * Writes to {@code client} until it is caught up, its socket is full, its turn is over, or it is
     * gone.
     *
     * @param client    a streaming client.
     * @param head      the ring head as this duty cycle saw it (not a fresh volatile read per
     *                  client: the producer writes that cache line on every render, and re-reading
     *                  it per client made render 1.5 times slower with 1,000 clients).
     * @param nowMonoNs the monotonic clock of this duty cycle.
     * @param nowWallNs the wall clock of this duty cycle.
     * @return where the turn left the client.
     */
    WriteOutcome serve(final Client client, final long head, final long nowMonoNs, final long nowWallNs)
    {
        long quantum = WRITE_QUANTUM_BYTES;
        while (true)
        {
            if (quantum <= 0)
            {
                // its turn is over: the others get theirs first (a loopback socket may take tens
                // of MiB, and every other client would wait for its first byte meanwhile)
                return WriteOutcome.TURN_OVER;
            }
            if (client.applyJump())
            {
                return WriteOutcome.WAIT_KEYFRAME;
            }
            final long lastSeq = client.jump() != Jump.NONE ? client.next : Math.min(head, client.flushSeq);
            if (client.headerInFlight == null)
            {
                if (client.next > lastSeq)
                {
                    return WriteOutcome.CAUGHT_UP;
                }
                if (client.offset == 0 &&
                    (!client.headerRecorded || ring.streamheader(client.next) != client.recordedHeader))
                {
                    final Streamheader header = ring.streamheader(client.next);
                    if (!ring.validate(client.next))
                    {
                        return WriteOutcome.LAPPED;
                    }
                    chooseStreamheader(client, header);
                }
            }
            final long written;
            try
            {
                written = client.headerInFlight != null ? writer.writeHeader(client) : writer.write(client, lastSeq, quantum);
            }
            catch (final IOException | RuntimeException ex)
            {
                failure = ex; // a RuntimeException (NotYetConnectedException, ...) fails this client only
                return WriteOutcome.FAILED;
            }
            if (written == GatherWriter.LAPPED)
            {
                return WriteOutcome.LAPPED;
            }
            if (written > 0)
            {
                quantum -= written;
                bytesServed += written;
                client.wrote(written, nowMonoNs, nowWallNs);
            }
            if (client.flushDone())
            {
                return WriteOutcome.FLUSHED;
            }
            if (written < writer.batchBytes())
            {
                return WriteOutcome.BLOCKED;
            }
        }
    }

    /** @return why the last {@link WriteOutcome#FAILED} write failed. */
    Exception failure()
    {
        return failure;
    }

    /** @return bytes written to every client so far. */
    long bytesServed()
    {
        return bytesServed;
    }

    /**
     * Before the client takes a buffer published under {@code header} (docs/semantics.md §7 with A.2.4): its first
     * buffer gets the header; after a change, the new header goes out when the client had none,
     * or with resend-streamheader when the two differ.
     */
    private void chooseStreamheader(final Client client, final Streamheader header)
    {
        final Streamheader previous = client.recordedHeader;
        final boolean first = !client.headerRecorded;
        client.headerRecorded = true;
        client.recordedHeader = header;
        if (header == null || header.isEmpty())
        {
            return;
        }
        if (first || previous == null || previous.isEmpty() ||
            (resendStreamheader && !previous.sameContent(header)))
        {
            client.headerInFlight = header;
            client.headerIndex = 0;
            client.headerOffset = 0;
        }
    }
}
