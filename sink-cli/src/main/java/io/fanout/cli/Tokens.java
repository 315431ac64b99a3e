package io.fanout.cli;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The stream tokens of {@code --token-file}: one per line, blank lines and {@code #} comments
 * ignored. A presented token is compared with every known one in constant time
 * ({@link MessageDigest#isEqual}, no early exit), and no token is ever logged. Immutable.
 */
final class Tokens
{
    private final List<byte[]> known;

    private Tokens(final List<byte[]> known)
    {
        this.known = known;
    }

    /**
     * @param file the token file.
     * @return its tokens.
     * @throws IOException              when it cannot be read.
     * @throws IllegalArgumentException when it holds no token, or a token with white space inside.
     */
    static Tokens read(final Path file) throws IOException
    {
        final List<byte[]> tokens = new ArrayList<>();
        for (final RuleLines.Line ruleLine : RuleLines.read(file))
        {
            final String line = ruleLine.text();
            if (line.chars().anyMatch(Character::isWhitespace))
            {
                throw new IllegalArgumentException(file + " line " + ruleLine.number() + ": a token has no white space inside");
            }
            tokens.add(line.getBytes(StandardCharsets.UTF_8));
        }
        if (tokens.isEmpty())
        {
            throw new IllegalArgumentException(file + " holds no token");
        }
        return new Tokens(tokens);
    }

    /** @return the number of tokens (for the reload log line; never the tokens themselves). */
    int count()
    {
        return known.size();
    }

    /** @return true when {@code presented} is one of the tokens; every token is compared in full. */
    boolean accepts(final String presented)
    {
        final byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (final byte[] token : known)
        {
            match |= MessageDigest.isEqual(token, candidate);
        }
        return match;
    }

    /**
     * @param target the request target ({@code /live?token=T}).
     * @param head   the whole request head.
     * @return the token the request presents ({@code ?token=} or {@code Authorization: Bearer}), or null.
     * @throws IllegalArgumentException when the {@code ?token=} value has a broken %-escape (URLDecoder).
     */
    static String presented(final String target, final String head)
    {
        final int query = target.indexOf('?');
        if (query >= 0)
        {
            for (final String pair : target.substring(query + 1).split("&"))
            {
                if (pair.startsWith("token="))
                {
                    return URLDecoder.decode(pair.substring("token=".length()), StandardCharsets.UTF_8);
                }
            }
        }
        for (final String line : head.split("\r?\n"))
        {
            final int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("authorization"))
            {
                final String value = line.substring(colon + 1).trim();
                if (value.regionMatches(true, 0, "Bearer ", 0, 7))
                {
                    return value.substring(7).trim();
                }
            }
        }
        return null;
    }
}
