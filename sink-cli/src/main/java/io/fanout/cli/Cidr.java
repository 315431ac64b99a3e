package io.fanout.cli;

import picocli.CommandLine;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 address block, {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a block
 * of one ({@code /32}, {@code /128}). An IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}) is the
 * IPv4 address it maps, as Java resolves it. Only literal addresses are accepted: nothing is ever
 * looked up in DNS. Immutable.
 */
final class Cidr
{
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    /** A prefix length: decimal digits only (Integer.parseInt also takes "+8", "-0" and other scripts' digits). */
    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(final byte[] network, final int prefix, final String text)
    {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * @param text {@code ADDRESS} or {@code ADDRESS/PREFIX}.
     * @return the block.
     * @throws IllegalArgumentException naming what is wrong, for anything else.
     */
    static Cidr parse(final String text)
    {
        final String trimmed = text.trim();
        final int slash = trimmed.indexOf('/');
        final String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        if (!IPV4.matcher(address).matches() && !IPV6.matcher(address).matches())
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address block (10.0.0.0/8, ::1/128)");
        }
        final byte[] bytes;
        try
        {
            bytes = InetAddress.getByName(address).getAddress(); // a literal: no lookup
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address block (10.0.0.0/8, ::1/128)");
        }
        final int bits = bytes.length * 8;
        if (slash >= 0 && !PREFIX.matcher(trimmed.substring(slash + 1)).matches())
        {
            throw new IllegalArgumentException("'" + text + "': the prefix length is not a number");
        }
        final int prefix = slash < 0 ? bits : Integer.parseInt(trimmed.substring(slash + 1));
        if (prefix < 0 || prefix > bits)
        {
            throw new IllegalArgumentException("'" + text + "': the prefix length must be 0.." + bits);
        }
        return new Cidr(mask(bytes, prefix), prefix, trimmed);
    }

    /** @return true when {@code address} lies in this block (an address of the other family never does). */
    boolean contains(final InetAddress address)
    {
        final byte[] bytes = address.getAddress();
        if (bytes.length != network.length)
        {
            return false;
        }
        return Arrays.equals(mask(bytes, prefix), network);
    }

    @Override
    public String toString()
    {
        return text;
    }

    private static byte[] mask(final byte[] bytes, final int prefix)
    {
        final byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++)
        {
            final int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            masked[i] = (byte)(masked[i] & (0xFF << (8 - keep)));
        }
        return masked;
    }

    /** picocli: {@code --allow CIDR}, {@code --deny CIDR}; a bad block is a usage error naming it. */
    static final class Converter implements CommandLine.ITypeConverter<Cidr>
    {
        @Override
        public Cidr convert(final String value)
        {
            try
            {
                return parse(value);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        }
    }
}
