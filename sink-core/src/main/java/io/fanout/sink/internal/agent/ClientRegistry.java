package io.fanout.sink.internal.agent;

import io.fanout.sink.ClientStatus;

import java.nio.channels.SocketChannel;
import java.util.LinkedHashMap;

/**
 * Every client of the sink: the map by channel (in order of addition) and the four lists that keep
 * clients apart by what they need, so that the work per buffer is proportional to the clients that
 * have something to do (docs/design.md, "Writes"):
 * <ul>
 *   <li>{@link #pending()}: new clients and clients waiting for a keyframe; nothing to send yet;</li>
 *   <li>{@link #caughtUp()}: everything published is written; no OP_WRITE interest;</li>
 *   <li>{@link #ready()}: data pending and a socket that still takes more, but their turn (the write
 *       quantum) is over; served one turn each per duty cycle;</li>
 *   <li>{@link #lagging()}: their socket is full; OP_WRITE interest; the only clients checked against
 *       the lag limits.</li>
 * </ul>
 * It also keeps the counts behind the sink's statistics. Selector thread only.
 */
final class ClientRegistry
{
    private final LinkedHashMap<SocketChannel, Client> clients = new LinkedHashMap<>();
    private final ClientList pending = new ClientList();
    private final ClientList caughtUp = new ClientList();
    private final ClientList ready = new ClientList();
    private final ClientList lagging = new ClientList();
    private final long[] removedByStatus = new long[ClientStatus.values().length];
    private long added;
    private long lapped;
    private long dropped;

    /** @return the client on {@code channel}, or null. */
    Client get(final SocketChannel channel)
    {
        return clients.get(channel);
    }

    /** @return true when {@code channel} is a client now. */
    boolean contains(final SocketChannel channel)
    {
        return clients.containsKey(channel);
    }

    int size()
    {
        return clients.size();
    }

    /** A new client: in the map, in no list yet. */
    void add(final Client client)
    {
        clients.put(client.channel, client);
        added++;
    }

    /** An add refused because the channel already is a client (docs/semantics.md §2.2). */
    void countDuplicate()
    {
        removedByStatus[ClientStatus.DUPLICATE.ordinal()]++;
    }

    /** The queue capacity released a buffer the client still needed: counted, then removed SLOW. */
    void countLapped()
    {
        lapped++;
    }

    /**
     * A removal begins: the client leaves its list and is counted under its final status. It stays
     * in the map until {@link #forget}, so that clientRemoved may still ask for its statistics.
     */
    void remove(final Client client)
    {
        if (client.list != null)
        {
            client.list.remove(client);
        }
        removedByStatus[client.status().ordinal()]++;
    }

    /** The removal's clientRemoved callback ran: the channel is no longer a client. */
    void forget(final Client client)
    {
        clients.remove(client.channel);
    }

    /** @return every client, oldest added first (a copy: the caller may remove while iterating). */
    Client[] snapshot()
    {
        return clients.values().toArray(new Client[0]);
    }

    ClientList pending()
    {
        return pending;
    }

    ClientList caughtUp()
    {
        return caughtUp;
    }

    ClientList ready()
    {
        return ready;
    }

    ClientList lagging()
    {
        return lagging;
    }

    /**
     * The oldest sequence a client with data pending still needs: the smallest {@code next} of the
     * lagging and ready clients (caught-up clients need nothing published yet; pending ones are
     * decided on the retained window). No allocation.
     *
     * @param bound the answer is at most this.
     * @return min(bound, every lagging and ready client's next).
     */
    long oldestNeeded(final long bound)
    {
        return Math.min(lagging.minNext(bound), ready.minNext(bound));
    }

    /** Recovery skipped {@code buffers} buffers of a client. */
    void countDropped(final long buffers)
    {
        dropped += buffers;
    }

    /** @return buffers skipped by recovery, over every client ever connected. */
    long dropped()
    {
        return dropped;
    }

    long added()
    {
        return added;
    }

    long lapped()
    {
        return lapped;
    }

    /** @return removals so far, indexed by {@code ClientStatus.ordinal()} (the array itself: do not keep it). */
    long[] removedByStatus()
    {
        return removedByStatus;
    }
}
