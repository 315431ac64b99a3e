package io.fanout.cli;

import io.fanout.sink.Refusal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Address blocks and the allow / deny / per-address rules of {@code --allow}, {@code --deny}, {@code --max-clients-per-ip}. */
class AccessRulesTest
{
    private static InetAddress ip(final String literal) throws UnknownHostException
    {
        return InetAddress.getByName(literal);
    }

    private static List<Cidr> blocks(final String list)
    {
        return list.isEmpty() ? List.of() :
            Arrays.stream(list.split(" ")).map(Cidr::parse).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
        "10.0.0.0/8,      10.255.1.2,        true",
        "10.0.0.0/8,      11.0.0.1,          false",
        "192.168.1.7,     192.168.1.7,       true",
        "192.168.1.7,     192.168.1.8,       false",
        "172.16.0.0/12,   172.31.255.255,    true",
        "172.16.0.0/12,   172.32.0.0,        false",
        "0.0.0.0/0,       203.0.113.9,       true",
        "0.0.0.0/0,       ::1,               false",
        "::1/128,         ::1,               true",
        "::1,             ::2,               false",
        "fd00::/8,        fdab:1::5,         true",
        "fd00::/8,        fe80::1,           false",
        "::/0,            2001:db8::1,       true",
        "::/0,            127.0.0.1,         false",
        "10.1.2.0/23,     10.1.3.200,        true",
        "10.1.2.0/23,     10.1.4.0,          false",
        "127.0.0.0/8,     ::ffff:127.0.0.5,  true",
    })
    void blocksContainTheirAddressesOnly(final String block, final String address, final boolean expected)
        throws UnknownHostException
    {
        assertEquals(expected, Cidr.parse(block).contains(ip(address)));
    }

    @ParameterizedTest(name = "allow [{0}] deny [{1}]: {2} allowed {3}")
    @CsvSource({
        "'',                         '',             10.0.0.1,   true",
        "'10.0.0.0/8',               '',             10.0.0.1,   true",
        "'10.0.0.0/8',               '',             192.0.2.1,  false",
        "'10.0.0.0/8',               '10.9.0.0/16',  10.9.1.1,   false",
        "'10.0.0.0/8',               '10.9.0.0/16',  10.8.1.1,   true",
        "'',                         '10.9.0.0/16',  10.9.1.1,   false",
        "'',                         '10.9.0.0/16',  192.0.2.1,  true",
        "'10.9.1.1',                 '10.0.0.0/8',   10.9.1.1,   false",
        "'10.0.0.0/8 ::1',           '',             ::1,        true",
        "'10.0.0.0/8',               '',             ::1,        false",
        "'',                         '::/0',         ::1,        false",
        "'',                         '::/0',         127.0.0.1,  true",
    })
    void denyWinsAndWithoutAllowEveryoneIsAllowed(final String allow, final String deny, final String address,
        final boolean expected) throws UnknownHostException
    {
        final AccessRules rules = new AccessRules(blocks(allow), blocks(deny), 0);
        assertEquals(expected, rules.allowed(ip(address)));
        final Refusal refusal = rules.check(new InetSocketAddress(ip(address), 5000), 0);
        assertEquals(expected ? null : Refusal.DENIED, refusal);
    }

    @Test
    void thePerAddressLimitCountsTheConnectionsAlreadyThere() throws UnknownHostException
    {
        final AccessRules rules = new AccessRules(List.of(), List.of(), 2);
        final InetSocketAddress remote = new InetSocketAddress(ip("10.0.0.1"), 5000);
        assertNull(rules.check(remote, 0));
        assertNull(rules.check(remote, 1));
        assertEquals(Refusal.MAX_CLIENTS_PER_IP, rules.check(remote, 2));
        final AccessRules denying = new AccessRules(List.of(), blocks("10.0.0.0/8"), 2);
        assertEquals(Refusal.DENIED, denying.check(remote, 5), "a denied address is DENIED, whatever its count");
    }

    @ParameterizedTest
    @CsvSource({"example.com", "10.0.0.0/33", "::1/129", "10.0.0.0/x", "10.0.0/8", "'' ", "10.0.0.256", "1.2.3.4/-1"})
    void badBlocksAreRefusedWithoutAnyLookup(final String text)
    {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
        assertTrue(ex.getMessage().contains(text.trim()), ex.getMessage());
    }
}
