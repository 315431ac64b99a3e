package io.fanout.cli;

import java.net.InetSocketAddress;

/** {@code HOST:PORT} or {@code [IPV6]:PORT} for an option such as {@code --admin}; resolved at once. */
final class HostPort
{
    private HostPort()
    {
    }

    /**
     * @param option the option's name, for messages.
     * @param text   {@code 127.0.0.1:9953}, {@code localhost:9953}, {@code [::1]:9953}.
     * @return the address.
     * @throws UsageException naming the option, for a malformed value, a bad port or an unknown host.
     */
    static InetSocketAddress parse(final String option, final String text)
    {
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new UsageException(option + " " + text + " is not HOST:PORT (for example 127.0.0.1:9953)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        else if (host.indexOf(':') >= 0)
        {
            throw new UsageException(option + " " + text + ": write an IPv6 address in brackets, [::1]:9953");
        }
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException(option + " " + text + ": the port is not a number");
        }
        if (port < 0 || port > 65535)
        {
            throw new UsageException(option + " " + text + ": the port is out of range 0..65535");
        }
        final InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved())
        {
            throw new UsageException(option + " " + text + ": " + host + " cannot be resolved");
        }
        return address;
    }
}
