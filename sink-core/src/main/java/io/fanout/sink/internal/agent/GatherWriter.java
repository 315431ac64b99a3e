package io.fanout.sink.internal.agent;

import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.Streamheader;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The write path: one gathering {@code write(ByteBuffer[])} of as many of a client's pending ring
 * buffers as fit in one call, through the ring's shared direct buffers, then the client's position
 * moved past what the socket took. Nothing is copied and nothing is allocated per write.
 * <p>
 * Consecutive buffers that are adjacent in the same direct buffer (the slab case) become one
 * gather element. The shared buffers' positions and limits are set here, which is safe because
 * only the selector thread writes and the producer never reads them after publication. Slot fields
 * are validated against the ring's tail before any of them is used (a torn read is possible until
 * then). While the socket write reads payload memory the ring is told ({@link BufferRing#reading}),
 * so that the producer does not reuse it even if the client is lapped meanwhile. Selector thread
 * only.
 */
final class GatherWriter
{
    /** {@link #write} result: the client was lapped; nothing was written. */
    static final long LAPPED = -1;

    private static final int MAX_GATHER = 64;
    private static final int MAX_BATCH_BUFFERS = 1024;

    private final BufferRing ring;
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    private final int[] gatherPositions = new int[MAX_GATHER];
    private final int[] gatherLimits = new int[MAX_GATHER];
    private final int[] batchLengths = new int[MAX_BATCH_BUFFERS];
    private final long[] batchPts = new long[MAX_BATCH_BUFFERS];
    private long batchBytes;

    GatherWriter(final BufferRing ring)
    {
        this.ring = ring;
    }

    /**
     * One gathering write of the client's buffers from its position up to {@code lastSeq}; moves
     * the client's position ({@code next}, {@code offset}) and pts statistics past what was written.
     *
     * @param client  the client; {@code client.next <= lastSeq}.
     * @param lastSeq the newest sequence to send.
     * @param budget  offer no more buffers once this many bytes are offered (the first is always offered).
     * @return bytes written (0 when the socket is full), or {@link #LAPPED}.
     * @throws IOException when the socket write fails.
     */
    long write(final Client client, final long lastSeq, final long budget) throws IOException
    {
        final long first = client.next;
        int elements = 0;
        int count = 0;
        long total = 0;
        ByteBuffer previous = null;
        int previousEnd = -1;
        for (long seq = first; seq <= lastSeq && count < MAX_BATCH_BUFFERS && total < budget; seq++)
        {
            if (seq > first && ring.streamheader(seq) != client.recordedHeader)
            {
                break; // a streamheader change: the loop decides what to send before that buffer
            }
            final ByteBuffer buffer = ring.buffer(seq);
            final int offset = ring.offset(seq);
            final int length = ring.length(seq);
            final int start = offset + (count == 0 ? client.offset : 0);
            final int end = offset + length;
            if (buffer == previous && start == previousEnd)
            {
                gatherLimits[elements - 1] = end;
            }
            else
            {
                if (buffer == null || elements == MAX_GATHER || inGather(buffer, elements))
                {
                    break;
                }
                gather[elements] = buffer;
                gatherPositions[elements] = start;
                gatherLimits[elements] = end;
                elements++;
            }
            previous = buffer;
            previousEnd = end;
            batchLengths[count] = length;
            batchPts[count] = ring.ptsNs(seq);
            count++;
            total += end - start;
        }
        batchBytes = total;
        ring.reading(first); // before validate: the producer does not reuse this memory meanwhile
        try
        {
            if (!ring.validate(first))
            {
                return LAPPED;
            }
            for (int i = 0; i < elements; i++)
            {
                gather[i].limit(gatherLimits[i]).position(gatherPositions[i]);
            }
            final long written = elements == 0 ? 0 : client.channel.write(gather, 0, elements);
            advance(client, count, written);
            return written;
        }
        finally
        {
            ring.reading(BufferRing.NOT_READING);
            for (int i = 0; i < elements; i++)
            {
                gather[i] = null;
            }
        }
    }

    /**
     * One gathering write of the rest of the client's streamheader in flight; clears it once it is
     * all written.
     *
     * @param client a client with {@code headerInFlight} set.
     * @return bytes written.
     * @throws IOException when the socket write fails.
     */
    long writeHeader(final Client client) throws IOException
    {
        final Streamheader header = client.headerInFlight;
        int elements = 0;
        long total = 0;
        for (int i = client.headerIndex; i < header.count() && elements < MAX_GATHER; i++)
        {
            final ByteBuffer buffer = header.buffer(i);
            final int start = i == client.headerIndex ? client.headerOffset : 0;
            buffer.limit(header.size(i)).position(start);
            gather[elements++] = buffer;
            total += header.size(i) - start;
        }
        batchBytes = total;
        try
        {
            long remaining = client.channel.write(gather, 0, elements);
            final long written = remaining;
            while (client.headerIndex < header.count())
            {
                final int left = header.size(client.headerIndex) - client.headerOffset;
                if (remaining < left)
                {
                    client.headerOffset += (int)remaining;
                    break;
                }
                remaining -= left;
                client.headerIndex++;
                client.headerOffset = 0;
            }
            if (client.headerIndex == header.count())
            {
                client.headerInFlight = null;
            }
            return written;
        }
        finally
        {
            for (int i = 0; i < elements; i++)
            {
                gather[i] = null;
            }
        }
    }

    /** @return the bytes the last write offered: it took them all when it returned this many. */
    long batchBytes()
    {
        return batchBytes;
    }

    private boolean inGather(final ByteBuffer buffer, final int elements)
    {
        for (int i = 0; i < elements; i++)
        {
            if (gather[i] == buffer)
            {
                return true;
            }
        }
        return false;
    }

    private void advance(final Client client, final int count, final long written)
    {
        long remaining = written;
        for (int k = 0; k < count; k++)
        {
            final int left = batchLengths[k] - client.offset;
            if (remaining >= left)
            {
                remaining -= left;
                client.took(batchPts[k]);
                client.next++;
                client.offset = 0;
            }
            else
            {
                if (remaining > 0)
                {
                    client.took(batchPts[k]);
                }
                client.offset += (int)remaining;
                return;
            }
        }
    }
}
