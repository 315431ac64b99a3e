package io.fanout.cli;

import io.fanout.sink.Admission;
import io.fanout.sink.Refusal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * {@code --allow}, {@code --deny} and {@code --max-clients-per-ip} as the server's
 * {@link Admission}: a connection from a denied block is refused DENIED (deny wins over allow);
 * with any {@code --allow}, a connection from outside every allowed block is refused DENIED
 * (without one, everyone is allowed); past the per-address limit it is refused
 * MAX_CLIENTS_PER_IP. Immutable; called on the sink's selector thread.
 */
final class AccessRules implements Admission
{
    private final List<Cidr> allow;
    private final List<Cidr> deny;
    private final int maxPerIp;

    /**
     * @param allow    the allowed blocks; empty for everyone.
     * @param deny     the denied blocks.
     * @param maxPerIp most connections from one IP address, 0 for no limit.
     */
    AccessRules(final List<Cidr> allow, final List<Cidr> deny, final int maxPerIp)
    {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.maxPerIp = maxPerIp;
    }

    /** @return true when no rule is set: every connection is admitted. */
    boolean admitsAll()
    {
        return allow.isEmpty() && deny.isEmpty() && maxPerIp == 0;
    }

    @Override
    public Refusal check(final InetSocketAddress remote, final int fromSameAddress)
    {
        final InetAddress address = remote.getAddress();
        if (!allowed(address))
        {
            return Refusal.DENIED;
        }
        if (maxPerIp > 0 && fromSameAddress >= maxPerIp)
        {
            return Refusal.MAX_CLIENTS_PER_IP;
        }
        return null;
    }

    /** @return whether the access lists let {@code address} in: deny wins, then allow (none = all). */
    boolean allowed(final InetAddress address)
    {
        for (final Cidr block : deny)
        {
            if (block.contains(address))
            {
                return false;
            }
        }
        if (allow.isEmpty())
        {
            return true;
        }
        for (final Cidr block : allow)
        {
            if (block.contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
