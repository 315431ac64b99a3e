package io.fanout.sink;

import io.fanout.sink.TestSupport.EventRecorder;
import io.fanout.sink.TestSupport.Kind;
import io.fanout.sink.TestSupport.StreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.fanout.sink.TestSupport.HOST;
import static io.fanout.sink.TestSupport.SELECTOR_THREAD;
import static io.fanout.sink.TestSupport.await;
import static io.fanout.sink.TestSupport.concat;
import static io.fanout.sink.TestSupport.payloads;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admission hook of {@link TcpServerSink}, on loopback: clients connect from different
 * addresses of 127.0.0.0/8 (and from ::1); a refused connection is closed at once with no sink
 * callback and counted by reason, while the admitted ones receive every byte.
 */
@Timeout(20)
class TcpServerSinkAdmissionTest extends LoopbackServerTest
{
    private final List<String> checks = new CopyOnWriteArrayList<>();

    private SocketChannel connectFrom(final String localAddress, final InetSocketAddress to) throws IOException
    {
        final SocketChannel channel = resources.track(SocketChannel.open());
        channel.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        channel.connect(to);
        return channel;
    }

    private void render(final List<byte[]> data)
    {
        for (final byte[] payload : data)
        {
            server.sink().render(TestSupport.direct(payload, 0), BufferFlags.NONE, MultiSocketSink.CLOCK_TIME_NONE,
                MultiSocketSink.CLOCK_TIME_NONE);
        }
    }

    @Test
    void aDeniedAddressIsClosedAtOnceWithNoCallbackAndOthersGetEverything() throws Exception
    {
        final Admission denyDotTwo = (remote, same) ->
        {
            checks.add(remote.getAddress().getHostAddress() + " on " + Thread.currentThread().getName());
            return remote.getAddress().getHostAddress().equals("127.0.0.2") ? Refusal.DENIED : null;
        };
        final List<String> refusals = new CopyOnWriteArrayList<>();
        final EventRecorder events = start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), 0)
            .admission(denyDotTwo)
            .refusals((remote, reason) -> refusals.add(remote.getAddress().getHostAddress() + " " + reason)));
        final InetSocketAddress to = new InetSocketAddress(HOST, server.currentPort());
        final StreamReader admitted = resources.track(new StreamReader(connectFrom("127.0.0.1", to), "admitted"));
        final StreamReader denied = resources.track(new StreamReader(connectFrom("127.0.0.2", to), "denied"));
        denied.awaitEof();
        events.awaitCount(Kind.ADDED, 1);
        final List<byte[]> data = payloads(7, 200, 2000);
        render(data);
        admitted.awaitSize(concat(data).length);
        assertArrayEquals(concat(data), admitted.bytes());
        assertEquals(0, denied.bytes().length, "a refused connection gets nothing");
        assertEquals(1, events.count(Kind.ADDED), "no callback for the refused one: " + events.all());
        assertEquals(1, server.refusedClients(Refusal.DENIED));
        assertEquals(1, server.refusedClients());
        assertEquals(List.of("127.0.0.2 DENIED"), refusals, "the refusal listener hears of it with its address");
        assertTrue(checks.stream().allMatch(c -> SELECTOR_THREAD.matcher(c.substring(c.indexOf(" on ") + 4)).matches()),
            "the hook runs on the selector thread: " + checks);
    }

    @Test
    void theHookSeesHowManyConnectionsComeFromTheSameAddress() throws Exception
    {
        final Admission twoPerAddress = (remote, same) -> same >= 2 ? Refusal.MAX_CLIENTS_PER_IP : null;
        final EventRecorder events =
            start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), 0).admission(twoPerAddress));
        final InetSocketAddress to = new InetSocketAddress(HOST, server.currentPort());
        final SocketChannel a1 = connectFrom("127.0.0.3", to);
        connectFrom("127.0.0.3", to);
        events.awaitCount(Kind.ADDED, 2);
        final StreamReader third = resources.track(new StreamReader(connectFrom("127.0.0.3", to), "third"));
        third.awaitEof();
        assertEquals(1, server.refusedClients(Refusal.MAX_CLIENTS_PER_IP));
        connectFrom("127.0.0.4", to); // another address has its own count
        events.awaitCount(Kind.ADDED, 3);

        // one of the two leaves (a half-close is not a removal: the application removes it)
        final var local = a1.getLocalAddress();
        server.sink().remove(events.await(e -> e.kind() == Kind.ADDED && local.equals(e.remote()), "a1 added").channel());
        events.awaitCount(Kind.SOCKET_REMOVED, 1);
        connectFrom("127.0.0.3", to);
        events.awaitCount(Kind.ADDED, 4);
        assertEquals(1, server.refusedClients(Refusal.MAX_CLIENTS_PER_IP));
    }

    @Test
    void theClientLimitComesFirstAndIsCountedAsSuch() throws Exception
    {
        final EventRecorder events =
            start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), 1).admission((r, s) -> null));
        final InetSocketAddress to = new InetSocketAddress(HOST, server.currentPort());
        connectFrom("127.0.0.1", to);
        events.awaitCount(Kind.ADDED, 1);
        resources.track(new StreamReader(connectFrom("127.0.0.1", to), "over")).awaitEof();
        assertEquals(1, server.refusedClients(Refusal.MAX_CLIENTS));
        assertEquals(0, server.refusedClients(Refusal.DENIED));
    }

    @Test
    void ipv6LoopbackIsAdmittedOrDeniedToo() throws Exception
    {
        final InetAddress v6 = InetAddress.getByName("::1");
        boolean available;
        try (SocketChannel probe = SocketChannel.open())
        {
            probe.bind(new InetSocketAddress(v6, 0));
            available = true;
        }
        catch (final IOException ex)
        {
            available = false;
        }
        assumeTrue(available, "no IPv6 loopback on this machine");
        final Admission denyV6 = (remote, same) -> remote.getAddress().getAddress().length == 16 ? Refusal.DENIED : null;
        server = null;
        final EventRecorder events =
            start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(v6, 0), 0).admission(denyV6));
        final InetSocketAddress to = new InetSocketAddress(v6, server.currentPort());
        resources.track(new StreamReader(connectFrom("::1", to), "v6")).awaitEof();
        await(() -> server.refusedClients(Refusal.DENIED) == 1, () -> "denied " + server.refusedClients(Refusal.DENIED));
        assertEquals(0, events.count(Kind.ADDED));
    }

    @Test
    void theRuleIsSetBeforeStart() throws Exception
    {
        start(new TcpServerSink(SinkConfig.defaults(), new InetSocketAddress(HOST, 0), 0));
        assertThrows(IllegalStateException.class, () -> server.admission(Admission.ALL));
        final TcpServerSink other = new TcpServerSink(SinkConfig.defaults());
        try
        {
            assertThrows(NullPointerException.class, () -> other.admission(null));
        }
        finally
        {
            other.close();
        }
    }
}
