package io.fanout.sink.internal.agent;

import java.util.Arrays;

/**
 * An unordered set of clients with O(1) add and remove (swap with the last), so the selector can
 * keep caught-up and lagging clients apart. Iterate from the end to the start to remove while
 * iterating. Selector thread only.
 */
final class ClientList
{
    private Client[] clients = new Client[16];
    private int size;

    int size()
    {
        return size;
    }

    Client get(final int index)
    {
        return clients[index];
    }

    void add(final Client client)
    {
        if (client.list != null)
        {
            client.list.remove(client);
        }
        if (size == clients.length)
        {
            clients = Arrays.copyOf(clients, size * 2);
        }
        clients[size] = client;
        client.list = this;
        client.listIndex = size;
        size++;
    }

    void remove(final Client client)
    {
        if (client.list != this)
        {
            return;
        }
        final int index = client.listIndex;
        final int last = --size;
        if (index != last)
        {
            final Client moved = clients[last];
            clients[index] = moved;
            moved.listIndex = index;
        }
        clients[last] = null;
        client.list = null;
        client.listIndex = -1;
    }

    /**
     * @param bound the answer is at most this.
     * @return the smallest {@code next} of the clients here, or {@code bound} when that is smaller.
     */
    long minNext(final long bound)
    {
        long oldest = bound;
        for (int i = 0; i < size; i++)
        {
            oldest = Math.min(oldest, clients[i].next);
        }
        return oldest;
    }
}
