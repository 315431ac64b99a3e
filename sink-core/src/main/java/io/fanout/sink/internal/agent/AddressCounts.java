package io.fanout.sink.internal.agent;

import org.agrona.collections.Object2IntHashMap;

import java.net.InetAddress;

/**
 * How many accepted connections (clients, and connections in their handshake) come from each IP
 * address, for per-address admission limits. An Agrona {@code Object2IntHashMap}: no boxing per
 * lookup. Selector thread only.
 */
final class AddressCounts
{
    private final Object2IntHashMap<InetAddress> counts = new Object2IntHashMap<>(0);

    /** @return the connections from {@code address} now; 0 for an unknown one or null. */
    int count(final InetAddress address)
    {
        return address == null ? 0 : counts.getValue(address);
    }

    /** One more connection from {@code address} (null: not counted). */
    void add(final InetAddress address)
    {
        if (address != null)
        {
            counts.put(address, counts.getValue(address) + 1);
        }
    }

    /** One connection from {@code address} fewer (null: not counted). */
    void remove(final InetAddress address)
    {
        if (address != null)
        {
            final int left = counts.getValue(address) - 1;
            if (left <= 0)
            {
                counts.removeKey(address);
            }
            else
            {
                counts.put(address, left);
            }
        }
    }

    /** @return the number of addresses with a connection. */
    int addresses()
    {
        return counts.size();
    }
}
