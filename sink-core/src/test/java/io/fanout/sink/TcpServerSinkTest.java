package io.fanout.sink;

import io.fanout.sink.TestSupport.Event;
import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Kind;
import io.fanout.sink.TestSupport.Loopback;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import static io.fanout.sink.TestSupport.HOST;
import static io.fanout.sink.TestSupport.SELECTOR_THREAD;
import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.concat;
import static io.fanout.sink.TestSupport.payloads;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TcpServerSink on 127.0.0.1 with an ephemeral port: accepting, serving, closing the sockets it
 * accepted (after clientRemoved, before clientSocketRemoved), bind failures and the client limit.
 */
@Timeout(20)
class TcpServerSinkTest
{
    private Loopback resources;
    private final List<TcpServerSink> servers = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException
    {
        resources = new Loopback();
    }

    @AfterEach
    void tearDown()
    {
        try
        {
            for (final TcpServerSink server : servers)
            {
                server.close();
            }
        }
        finally
        {
            resources.close();
        }
    }

    private TcpServerSink server(final int maxClients)
    {
        final TcpServerSink server = new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0),
            maxClients);
        servers.add(server);
        return server;
    }

    private EventRecorder listen(final TcpServerSink server)
    {
        final EventRecorder events = new EventRecorder(ch -> server.sink().getStats(ch));
        server.sink().addListener(events);
        return events;
    }

    private SocketChannel connect(final TcpServerSink server) throws IOException
    {
        return resources.track(SocketChannel.open(new InetSocketAddress(HOST, server.currentPort())));
    }

    private StreamReader reader(final SocketChannel client, final String name)
    {
        return resources.track(new StreamReader(client, name));
    }

    /** The accepted channel whose peer is {@code client}, from the clientAdded events. */
    private static SocketChannel acceptedFor(final EventRecorder events, final SocketChannel client) throws IOException
    {
        final var local = client.getLocalAddress();
        return events.await(e -> e.kind() == Kind.ADDED && local.equals(e.remote()),
            "clientAdded for the connection from " + local).channel();
    }

    private void render(final TcpServerSink server, final List<byte[]> data)
    {
        for (int i = 0; i < data.size(); i++)
        {
            server.sink().render(TestSupport.direct(data.get(i), i % 5), BufferFlags.NONE,
                MultiSocketSink.CLOCK_TIME_NONE, MultiSocketSink.CLOCK_TIME_NONE);
        }
    }

    @Test
    void acceptedClientsReceiveDataAndAreClosedOnClose() throws Exception
    {
        final TcpServerSink server = server(0);
        assertEquals(-1, server.currentPort(), "no port before start");
        final EventRecorder events = listen(server);
        server.start();
        assertTrue(server.currentPort() > 0, "currentPort = " + server.currentPort());

        final SocketChannel c1 = connect(server);
        final SocketChannel c2 = connect(server);
        final StreamReader r1 = reader(c1, "tcp-1");
        final StreamReader r2 = reader(c2, "tcp-2");
        final SocketChannel s1 = acceptedFor(events, c1);
        final SocketChannel s2 = acceptedFor(events, c2);

        final List<byte[]> data = payloads(200, 1000, 4096);
        final byte[] expected = concat(data);
        render(server, data);
        r1.awaitSize(expected.length);
        r2.awaitSize(expected.length);
        assertArrayEquals(expected, r1.bytes());
        assertArrayEquals(expected, r2.bytes());
        assertEquals(2, server.sink().stats().numHandles());
        assertEquals(0, server.refusedClients());
        assertEquals(0, server.acceptFailures());

        server.close();
        r1.awaitEof();
        r2.awaitEof();
        assertArrayEquals(expected, r1.bytes(), "nothing after the data but end of stream");
        for (final SocketChannel accepted : List.of(s1, s2))
        {
            final List<Event> mine = events.of(accepted);
            assertEquals(List.of(Kind.ADDED, Kind.REMOVED, Kind.SOCKET_REMOVED),
                mine.stream().map(Event::kind).toList());
            for (final Event e : mine)
            {
                assertTrue(SELECTOR_THREAD.matcher(e.thread()).matches(), e.thread());
            }
            assertEquals(ClientStatus.REMOVED, mine.get(1).status());
            assertTrue(mine.get(1).channelOpen(), "the socket is still open in clientRemoved");
            assertFalse(mine.get(2).channelOpen(), "TcpServerSink closes it before clientSocketRemoved");
            assertFalse(accepted.isOpen());
        }
    }

    @Test
    void removingOneClientClosesItsSocketOthersContinue() throws Exception
    {
        final TcpServerSink server = server(0);
        final EventRecorder events = listen(server);
        server.start();
        final SocketChannel c1 = connect(server);
        final SocketChannel c2 = connect(server);
        final StreamReader r1 = reader(c1, "keep");
        final StreamReader r2 = reader(c2, "drop");
        final SocketChannel s1 = acceptedFor(events, c1);
        final SocketChannel s2 = acceptedFor(events, c2);

        final List<byte[]> first = payloads(210, 200, 2000);
        render(server, first);
        r1.awaitSize(concat(first).length);
        r2.awaitSize(concat(first).length);

        server.sink().remove(s2);
        r2.awaitEof();
        assertArrayEquals(concat(first), r2.bytes());
        final Event removed = events.awaitRemoved(s2);
        assertEquals(ClientStatus.REMOVED, removed.status());
        assertNotNull(removed.stats());
        assertFalse(events.awaitSocketRemoved(s2).channelOpen());

        final List<byte[]> second = payloads(211, 200, 2000);
        render(server, second);
        final byte[] expected = concat(concat(first), concat(second));
        r1.awaitSize(expected.length);
        assertArrayEquals(expected, r1.bytes());
        assertTrue(s1.isOpen());
        assertEquals(1, server.sink().stats().numHandles());
    }

    @Test
    void clientResetIsRemovedClosed() throws Exception
    {
        final TcpServerSink server = server(0);
        final EventRecorder events = listen(server);
        server.start();
        final SocketChannel c1 = connect(server);
        final SocketChannel c2 = connect(server);
        final StreamReader r1 = reader(c1, "stays");
        final SocketChannel s2 = acceptedFor(events, c2);
        acceptedFor(events, c1);

        c2.setOption(StandardSocketOptions.SO_LINGER, 0);
        c2.close();
        final Event removed = events.awaitRemoved(s2);
        assertEquals(ClientStatus.CLOSED, removed.status());
        assertFalse(events.awaitSocketRemoved(s2).channelOpen());

        final List<byte[]> data = payloads(220, 300, 2000);
        render(server, data);
        r1.awaitSize(concat(data).length);
        assertArrayEquals(concat(data), r1.bytes());
        assertEquals(1, server.sink().stats().removed(ClientStatus.CLOSED));
    }

    @Test
    void bindingAPortInUseFailsFromStart() throws Exception
    {
        final TcpServerSink first = server(0);
        first.start();
        final int port = first.currentPort();

        final TcpServerSink second = new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, port));
        servers.add(second);
        final IOException ex = assertThrows(IOException.class, second::start);
        assertInstanceOf(BindException.class, ex, "port in use");
        assertEquals(-1, second.currentPort());
        // nothing is left running: the failed server's sink is closed
        final SocketChannel probe = connect(first);
        assertThrows(IllegalStateException.class, () -> second.sink().add(probe));

        // the first server is unaffected
        final EventRecorder events = listen(first);
        final SocketChannel c = connect(first);
        final StreamReader r = reader(c, "unaffected");
        acceptedFor(events, c);
        final List<byte[]> data = payloads(230, 50, 1000);
        render(first, data);
        r.awaitSize(concat(data).length);
        assertArrayEquals(concat(data), r.bytes());
    }

    @Test
    void clientLimitRefusesTheThirdConnection() throws Exception
    {
        final TcpServerSink server = server(2);
        final EventRecorder events = listen(server);
        server.start();
        final SocketChannel c1 = connect(server);
        final SocketChannel c2 = connect(server);
        final StreamReader r1 = reader(c1, "limit-1");
        final StreamReader r2 = reader(c2, "limit-2");
        acceptedFor(events, c1);
        acceptedFor(events, c2);

        final SocketChannel c3 = connect(server);
        final StreamReader r3 = reader(c3, "limit-3");
        await(() -> server.refusedClients() == 1, () -> "refusedClients() == 1, is " + server.refusedClients());
        r3.awaitEof();
        assertEquals(0, r3.size());

        final List<byte[]> data = payloads(240, 500, 2000);
        final byte[] expected = concat(data);
        render(server, data);
        r1.awaitSize(expected.length);
        r2.awaitSize(expected.length);
        assertArrayEquals(expected, r1.bytes());
        assertArrayEquals(expected, r2.bytes());

        final SinkStats stats = server.sink().stats();
        assertEquals(2, stats.numHandles());
        assertEquals(2, stats.clientsAdded());
        assertEquals(2, events.count(Kind.ADDED), "no callback for a refused connection");
        assertEquals(0, events.count(Kind.REMOVED));
        assertEquals(1, server.refusedClients());
        assertEquals(0, r3.size());
    }
}
