package io.fanout.sink.internal.agent;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.internal.ring.BufferRing;
import io.fanout.sink.internal.ring.Streamheader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The outcomes of one client's turn of writes, on a real loopback socket pair and a real ring, with
 * no selector: each {@link WriteOutcome} the agent acts on.
 */
class ClientWriterTest
{
    private SocketChannel sinkSide;
    private SocketChannel peer;
    private BufferRing ring;
    private ClientWriter writer;

    @BeforeEach
    void connect() throws IOException
    {
        try (ServerSocketChannel server = ServerSocketChannel.open())
        {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            peer = SocketChannel.open();
            peer.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            peer.connect(server.getLocalAddress());
            sinkSide = server.accept();
        }
        sinkSide.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
        sinkSide.configureBlocking(false);
        ring = new BufferRing(64, 64L << 20);
        ring.retain(0);
        writer = new ClientWriter(ring, true);
    }

    @AfterEach
    void close() throws IOException
    {
        sinkSide.close();
        peer.close();
    }

    private long publish(final int size, final int fill, final int flags)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++)
        {
            b.put(i, (byte)fill);
        }
        return ring.publish(b, 0, size, flags, -1, -1);
    }

    private Client streamingFrom(final long seq)
    {
        final Client client = new Client(sinkSide, false, ClientSync.of(SyncMethod.LATEST), seq - 1, 0, 0);
        client.startAt(seq, seq);
        return client;
    }

    private byte[] read(final int n) throws IOException
    {
        final ByteBuffer in = ByteBuffer.allocate(n);
        while (in.hasRemaining())
        {
            if (peer.read(in) < 0)
            {
                break;
            }
        }
        return in.array();
    }

    private WriteOutcome serve(final Client client)
    {
        return writer.serve(client, ring.head(), 1, 1);
    }

    @Test
    void everythingPublishedIsWrittenInOneTurn() throws IOException
    {
        publish(100, 1, 0);
        publish(100, 2, BufferFlags.DELTA_UNIT);
        publish(100, 3, BufferFlags.DELTA_UNIT);
        final Client client = streamingFrom(0);
        assertEquals(WriteOutcome.CAUGHT_UP, serve(client));
        assertEquals(3, client.next);
        assertEquals(300, client.bytesSent);
        assertEquals(300, writer.bytesServed());
        final byte[] got = read(300);
        assertEquals(1, got[0]);
        assertEquals(2, got[100]);
        assertEquals(3, got[299]);
    }

    @Test
    void aFullSocketBlocksWithDataPending()
    {
        for (int i = 0; i < 32; i++)
        {
            publish(64 * 1024, i, 0);
        }
        final Client client = streamingFrom(0);
        assertEquals(WriteOutcome.BLOCKED, serve(client), "the peer reads nothing: its socket fills");
        assertTrue(client.bytesSent > 0 && client.bytesSent < 32L * 64 * 1024, "sent " + client.bytesSent);
        assertTrue(client.next < 32);
    }

    @Test
    void aClosedChannelFailsTheClientWithTheCause() throws IOException
    {
        publish(10, 1, 0);
        final Client client = streamingFrom(0);
        sinkSide.close();
        assertEquals(WriteOutcome.FAILED, serve(client));
        assertInstanceOf(ClosedChannelException.class, writer.failure());
        assertTrue(ClientLifecycle.isPeerGone((IOException)writer.failure()), "closed is the peer gone: CLOSED");
    }

    @Test
    void aClientWhoseBuffersWereReleasedIsLapped()
    {
        ring = new BufferRing(4, 64L << 20);
        ring.retain(0);
        writer = new ClientWriter(ring, true);
        for (int i = 0; i < 8; i++)
        {
            publish(10, i, 0); // capacity 4: the oldest are released
        }
        assertEquals(WriteOutcome.LAPPED, serve(streamingFrom(0)));
    }

    @Test
    void aFlushEndsOnceItsLastBufferIsWritten() throws IOException
    {
        publish(10, 1, 0);
        publish(10, 2, 0);
        publish(10, 3, 0);
        final Client client = streamingFrom(0);
        client.beginFlush(1);
        assertEquals(WriteOutcome.FLUSHED, serve(client));
        assertEquals(20, client.bytesSent, "buffer 2 was rendered after remove-flush: not sent");
        assertEquals(2, read(20)[10]);
    }

    @Test
    void aDeferredWaitForAKeyframeIsReportedOnceTheBufferIsWhole()
    {
        publish(10, 1, 0);
        final Client client = streamingFrom(0);
        client.offset = 4; // mid-buffer when recovery decided
        client.recover(true, 7);
        client.offset = 0;
        assertEquals(WriteOutcome.WAIT_KEYFRAME, serve(client));
        assertEquals(7, client.jumpSeq());
    }

    @Test
    void theStreamheaderGoesFirst() throws IOException
    {
        final ByteBuffer header = ByteBuffer.allocateDirect(5);
        for (int i = 0; i < 5; i++)
        {
            header.put(i, (byte)('h'));
        }
        ring.streamheader(new Streamheader(header));
        publish(3, 'd', 0);
        final Client client = streamingFrom(0);
        assertEquals(WriteOutcome.CAUGHT_UP, serve(client));
        assertArrayEquals("hhhhhddd".getBytes(java.nio.charset.StandardCharsets.US_ASCII), read(8));
        assertEquals(8, client.bytesSent);
    }
}
