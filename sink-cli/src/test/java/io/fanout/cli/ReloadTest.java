package io.fanout.cli;

import io.fanout.sink.Refusal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGHUP's reload: both files or neither, and a broken file changes nothing and says why. */
class ReloadTest
{
    @TempDir
    Path dir;

    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);

    private static InetSocketAddress from(final String ip) throws IOException
    {
        return new InetSocketAddress(InetAddress.getByName(ip), 4000);
    }

    @Test
    void aReloadAppliesTheNewRulesToNewConnections() throws IOException
    {
        final Path acl = dir.resolve("acl");
        Files.writeString(acl, "# lab\nallow 10.0.0.0/8\n");
        final Reload reload = new Reload(null, acl, List.of(), List.of(), 0, null, err);
        assertNull(reload.check(from("10.1.1.1"), 0));
        assertEquals(Refusal.DENIED, reload.check(from("192.0.2.1"), 0));
        Files.writeString(acl, "allow 10.0.0.0/8\ndeny 10.1.0.0/16\nallow 192.0.2.0/24\n");
        reload.reload();
        assertEquals(Refusal.DENIED, reload.check(from("10.1.1.1"), 0));
        assertNull(reload.check(from("192.0.2.1"), 0));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("reloaded: acl allow 2 deny 1"), log.toString());
    }

    @Test
    void aBrokenFileKeepsThePreviousRulesAndSaysWhy() throws IOException
    {
        final Path acl = dir.resolve("acl");
        Files.writeString(acl, "deny 192.0.2.0/24\n");
        final Reload reload = new Reload(null, acl, List.of(), List.of(), 0, null, err);
        Files.writeString(acl, "deny 192.0.2.0/24\nallow banana\n");
        reload.reload();
        assertEquals(Refusal.DENIED, reload.check(from("192.0.2.1"), 0), "the old rules hold");
        assertNull(reload.check(from("10.1.1.1"), 0));
        final String said = log.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("reload failed, keeping the previous rules") && said.contains("line 2"), said);
        Files.delete(acl);
        reload.reload();
        assertEquals(Refusal.DENIED, reload.check(from("192.0.2.1"), 0), "a missing file changes nothing either");
    }

    @Test
    void aBrokenFileAtStartIsAnError() throws IOException
    {
        final Path acl = dir.resolve("acl");
        Files.writeString(acl, "permit 10.0.0.0/8\n");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> new Reload(null, acl, List.of(), List.of(), 0, null, err));
        assertTrue(ex.getMessage().contains("expected 'allow CIDR' or 'deny CIDR'"), ex.getMessage());
    }
}
