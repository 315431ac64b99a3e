package io.fanout.cli;

import io.fanout.sink.Admission;
import io.fanout.sink.Refusal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * {@code --acl-file}: lines {@code allow CIDR} and {@code deny CIDR}; blank lines and {@code #}
     * comments are ignored.
     *
     * @param file     the file.
     * @param allow    the command line's {@code --allow} blocks, kept in front of the file's.
     * @param deny     the command line's {@code --deny} blocks, kept in front of the file's.
     * @param maxPerIp the per-address limit.
     * @return the rules of the command line and the file together.
     * @throws IOException              when the file cannot be read.
     * @throws IllegalArgumentException naming the line, for a line that does not parse.
     */
    static AccessRules withFile(final Path file, final List<Cidr> allow, final List<Cidr> deny, final int maxPerIp)
        throws IOException
    {
        final List<Cidr> allowed = new ArrayList<>(allow);
        final List<Cidr> denied = new ArrayList<>(deny);
        for (final RuleLines.Line ruleLine : RuleLines.read(file))
        {
            final int number = ruleLine.number();
            final String[] words = ruleLine.text().split("\\s+");
            if (words.length != 2 || !(words[0].equals("allow") || words[0].equals("deny")))
            {
                throw new IllegalArgumentException(file + " line " + number + ": expected 'allow CIDR' or 'deny CIDR'");
            }
            final Cidr block;
            try
            {
                block = Cidr.parse(words[1]);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException(file + " line " + number + ": " + ex.getMessage(), ex);
            }
            (words[0].equals("allow") ? allowed : denied).add(block);
        }
        return new AccessRules(allowed, denied, maxPerIp);
    }

    /** @return the rules in a few words, for the log: {@code allow 1 deny 2 max-per-ip 0}. */
    String summary()
    {
        return "allow " + allow.size() + " deny " + deny.size() + " max-per-ip " + maxPerIp;
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
