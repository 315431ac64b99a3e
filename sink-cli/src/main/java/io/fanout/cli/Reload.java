package io.fanout.cli;

import io.fanout.sink.Admission;
import io.fanout.sink.Refusal;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * What SIGHUP re-reads: {@code --token-file} and {@code --acl-file}. The new rules apply to new
 * connections; connected clients are left alone. Both files are read before either is applied: a
 * file that does not parse keeps the previous rules of both, and the reason is logged. Also the
 * server's {@link Admission}, reading the current rules. Reload runs on a signal thread, admission
 * on the selector thread: the rules are one volatile reference each.
 */
final class Reload implements Admission
{
    private final Path tokenFile;
    private final Path aclFile;
    private final List<Cidr> allow;
    private final List<Cidr> deny;
    private final int maxPerIp;
    private final HttpHandshake http;
    private final PrintStream err;
    private volatile AccessRules rules;

    /**
     * Reads the files once.
     *
     * @throws IOException              when a file cannot be read.
     * @throws IllegalArgumentException when a file does not parse.
     */
    Reload(final Path tokenFile, final Path aclFile, final List<Cidr> allow, final List<Cidr> deny, final int maxPerIp,
        final HttpHandshake http, final PrintStream err) throws IOException
    {
        this.tokenFile = tokenFile;
        this.aclFile = aclFile;
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.maxPerIp = maxPerIp;
        this.http = http;
        this.err = err;
        this.rules = readRules();
        if (tokenFile != null)
        {
            http.tokens(Tokens.read(tokenFile));
        }
    }

    @Override
    public Refusal check(final InetSocketAddress remote, final int fromSameAddress)
    {
        return rules.check(remote, fromSameAddress);
    }

    /** SIGHUP: re-read both files; apply both, or neither. */
    void reload()
    {
        try
        {
            final AccessRules newRules = readRules();
            final Tokens newTokens = tokenFile == null ? null : Tokens.read(tokenFile);
            final String was = rules.summary();
            rules = newRules;
            if (newTokens != null)
            {
                http.tokens(newTokens);
            }
            err.println("sink-cli: reloaded: acl " + newRules.summary() + " (was " + was + ")" +
                (newTokens == null ? "" : ", tokens " + newTokens.count()));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            err.println("sink-cli: reload failed, keeping the previous rules: " + ex.getMessage());
        }
    }

    private AccessRules readRules() throws IOException
    {
        return aclFile == null ? new AccessRules(allow, deny, maxPerIp) : AccessRules.withFile(aclFile, allow, deny, maxPerIp);
    }
}
