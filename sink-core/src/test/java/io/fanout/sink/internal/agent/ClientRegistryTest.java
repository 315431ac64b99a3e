package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;
import io.fanout.sink.ClientSync;
import io.fanout.sink.SyncMethod;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's map, lists and counts, without a selector. */
class ClientRegistryTest
{
    private static Client client(final long next) throws IOException
    {
        final Client client = new Client(SocketChannel.open(), false, ClientSync.of(SyncMethod.LATEST), 0, 0, 0);
        client.next = next;
        return client;
    }

    @Test
    void oldestNeededCountsOnlyClientsWithDataPending() throws IOException
    {
        final ClientRegistry registry = new ClientRegistry();
        final Client lagging = client(30);
        final Client ready = client(20);
        final Client caughtUp = client(5);
        final Client pending = client(1);
        for (final Client c : new Client[] {lagging, ready, caughtUp, pending})
        {
            registry.add(c);
        }
        registry.lagging().add(lagging);
        registry.ready().add(ready);
        registry.caughtUp().add(caughtUp);
        registry.pending().add(pending);
        assertEquals(20, registry.oldestNeeded(Long.MAX_VALUE));
        assertEquals(15, registry.oldestNeeded(15), "the bound wins when it is older");
        registry.ready().remove(ready);
        assertEquals(30, registry.oldestNeeded(Long.MAX_VALUE));
        registry.lagging().remove(lagging);
        assertEquals(Long.MAX_VALUE, registry.oldestNeeded(Long.MAX_VALUE), "nobody lags: nothing needed");
    }

    @Test
    void aClientIsInOneListAtATime() throws IOException
    {
        final ClientRegistry registry = new ClientRegistry();
        final Client client = client(0);
        registry.add(client);
        registry.pending().add(client);
        registry.caughtUp().add(client);
        assertEquals(0, registry.pending().size());
        assertEquals(1, registry.caughtUp().size());
        assertSame(registry.caughtUp(), client.list);
        registry.lagging().add(client);
        assertEquals(0, registry.caughtUp().size());
        assertSame(client, registry.lagging().get(0));
    }

    @Test
    void aRemovedClientStaysKnownUntilForgotten() throws IOException
    {
        final ClientRegistry registry = new ClientRegistry();
        final Client client = client(0);
        registry.add(client);
        registry.lagging().add(client);
        client.markRemoved(ClientStatus.SLOW, 0, 0);
        registry.remove(client);
        assertNull(client.list);
        assertEquals(0, registry.lagging().size());
        assertSame(client, registry.get(client.channel), "clientRemoved may still ask for its statistics");
        registry.forget(client);
        assertFalse(registry.contains(client.channel));
        assertEquals(1, registry.removedByStatus()[ClientStatus.SLOW.ordinal()]);
        assertEquals(1, registry.added());
    }

    @Test
    void duplicatesAndLappedClientsAreCounted()
    {
        final ClientRegistry registry = new ClientRegistry();
        registry.countDuplicate();
        registry.countLapped();
        registry.countLapped();
        assertEquals(1, registry.removedByStatus()[ClientStatus.DUPLICATE.ordinal()]);
        assertEquals(2, registry.lapped());
    }

    @Test
    void theSnapshotIsInOrderOfAddition() throws IOException
    {
        final ClientRegistry registry = new ClientRegistry();
        final Client a = client(0);
        final Client b = client(0);
        final Client c = client(0);
        registry.add(a);
        registry.add(b);
        registry.add(c);
        assertArrayEquals(new Client[] {a, b, c}, registry.snapshot());
        assertTrue(registry.contains(b.channel));
        assertEquals(3, registry.size());
    }
}
