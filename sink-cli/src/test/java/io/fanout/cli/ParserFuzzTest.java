package io.fanout.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fanout.sink.HandshakeResult;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Coverage-guided fuzz targets (Jazzer, issue 13) for what sink-cli parses from outside: the HTTP
 * request head, the ACL and token files, address blocks, and the size, duration and bit-rate
 * options. In {@code mvn verify} each target runs only the committed inputs in
 * {@code src/test/resources/io/fanout/cli/ParserFuzzTestInputs/<method>/} (regression mode);
 * {@code JAZZER_FUZZ=1} fuzzes one target (README, "Fuzzing"). Each input is the text itself (UTF-8;
 * ISO-8859-1 for the HTTP head, as HttpHandshake reads it). Every target asserts more than "no
 * exception": only the documented exception escapes, and what is accepted is what the spec
 * accepts, with the value the spec gives it. A violation is an {@link AssertionError}.
 */
class ParserFuzzTest
{
    private static final SocketChannel CHANNEL;
    private static final Path DIR;
    private static final List<String> TOKENS = List.of("s3cret", "t%20k");

    static
    {
        try
        {
            CHANNEL = SocketChannel.open(); // never connected: only a key for HttpHandshake's paths
            DIR = Files.createTempDirectory("parser-fuzz");
            DIR.toFile().deleteOnExit();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static void check(final boolean condition, final String what)
    {
        if (!condition)
        {
            throw new AssertionError(what);
        }
    }

    /** What String.trim removes: every char up to the space. */
    private static String trim(final String text)
    {
        return text.trim();
    }

    // ------------------------------------------------------------------------------------------
    // HTTP request head
    // ------------------------------------------------------------------------------------------

    /** RFC 9112 §3: method (a token) SP request-target (visible ASCII) SP HTTP-version (HTTP/DIGIT.DIGIT). */
    private static final Pattern REQUEST_LINE =
        Pattern.compile("([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([\\x21-\\x7E]+) HTTP/[0-9]\\.[0-9]");

    private static HttpHandshake guarded()
    {
        try
        {
            final Path file = DIR.resolve("tokens");
            Files.writeString(file, "# tokens\n" + String.join("\n", TOKENS) + "\n");
            final HttpHandshake http = new HttpHandshake("video/mp2t", HttpHandshake.DEFAULT_TIMEOUT_NS);
            http.tokens(Tokens.read(file));
            return http;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private static final HttpHandshake OPEN = new HttpHandshake("video/mp2t", HttpHandshake.DEFAULT_TIMEOUT_NS);
    private static final HttpHandshake GUARDED = guarded();

    private static String status(final HandshakeResult result)
    {
        check(result.response() != null, "a decision has a response");
        final String text = StandardCharsets.ISO_8859_1.decode(result.response().duplicate()).toString();
        check(text.startsWith("HTTP/1.0 ") && text.endsWith("\r\n\r\n"), "a status line and a head: " + text);
        return text.substring(9, 12);
    }

    /**
     * HttpHandshake.onRequest, as the sink calls it (docs/design.md, "Handshakes"): at most
     * maxRequestBytes (8 KiB, README "Security") received so far. No exception; an incomplete head
     * (no blank line yet) waits for more; a complete one is decided by its head alone (bytes after
     * the blank line change nothing). A request line that is not {@code METHOD SP TARGET SP
     * HTTP/x.y} gets 400, a well-formed one with a method other than GET or HEAD 405 (README,
     * "The command line", --http); GET is added and HEAD closed, both 200, only with a well-formed
     * line, and with --token-file only when the request presents a known token (401 without, 403
     * with another). The path kept is the target without its query.
     */
    @FuzzTest
    void httpRequestHead(final byte[] data)
    {
        check(OPEN.maxRequestBytes() == 8 * 1024, "the head limit is 8 KiB");
        final byte[] request = Arrays.copyOf(data, Math.min(data.length, OPEN.maxRequestBytes()));
        final int end = HttpHandshake.headEnd(ByteBuffer.wrap(request));
        for (final HttpHandshake http : List.of(OPEN, GUARDED))
        {
            final HandshakeResult result = http.onRequest(CHANNEL, ByteBuffer.wrap(request).asReadOnlyBuffer());
            try
            {
                if (end < 0)
                {
                    check(result.kind() == HandshakeResult.Kind.NEED_MORE, "an incomplete head waits for more");
                    continue;
                }
                check(end <= request.length, "the head ends inside what was received");
                check(result.kind() != HandshakeResult.Kind.NEED_MORE, "a complete head is decided");
                final String status = status(result);
                final HandshakeResult alone =
                    http.onRequest(CHANNEL, ByteBuffer.wrap(request, 0, end).slice().asReadOnlyBuffer());
                check(alone.kind() == result.kind() && status(alone).equals(status), "the head alone decides");
                final String head = new String(request, 0, end, StandardCharsets.ISO_8859_1);
                String line = head.substring(0, head.indexOf('\n'));
                if (line.endsWith("\r"))
                {
                    line = line.substring(0, line.length() - 1);
                }
                final Matcher m = REQUEST_LINE.matcher(line);
                if (!m.matches())
                {
                    check(status.equals("400"), "a malformed request line gets 400, not " + status + ": " + line);
                    continue;
                }
                final String method = m.group(1);
                final String target = m.group(2);
                if (!method.equals("GET") && !method.equals("HEAD"))
                {
                    check(status.equals("405"), "a method other than GET or HEAD gets 405, not " + status);
                    continue;
                }
                if (http == GUARDED && !status.equals("200"))
                {
                    check(status.equals("401") || status.equals("403") || status.equals("400"),
                        "a guarded request is 200, 400 (a token that does not decode), 401 or 403: " + status);
                    continue;
                }
                check(status.equals("200"), "a well-formed GET or HEAD gets 200, not " + status);
                if (http == GUARDED)
                {
                    final String token = Tokens.presented(target, head);
                    check(token != null && TOKENS.contains(token), "200 only with a known token");
                }
                check(result.kind() == (method.equals("GET") ? HandshakeResult.Kind.ADD : HandshakeResult.Kind.CLOSE),
                    "GET is added, HEAD closed");
                if (method.equals("GET"))
                {
                    final int query = target.indexOf('?');
                    check((query < 0 ? target : target.substring(0, query)).equals(http.path(CHANNEL)),
                        "the path kept is the target without its query");
                }
            }
            finally
            {
                http.forget(CHANNEL);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // rule files and address blocks
    // ------------------------------------------------------------------------------------------

    private static Path write(final String name, final byte[] data)
    {
        try
        {
            return Files.write(DIR.resolve(name), data);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** The lines RuleLines keeps, by its Javadoc: stripped, neither blank nor {@code #} comments, with their numbers. */
    private static List<RuleLines.Line> expectedLines(final String text)
    {
        final List<RuleLines.Line> lines = new ArrayList<>();
        final String[] raw = text.split("\r\n|\r|\n", -1);
        final int count = text.isEmpty() ? 0 : raw.length - (raw[raw.length - 1].isEmpty() ? 1 : 0);
        for (int i = 0; i < count; i++)
        {
            final String line = raw[i].strip();
            if (!line.isEmpty() && !line.startsWith("#"))
            {
                lines.add(new RuleLines.Line(i + 1, line));
            }
        }
        return lines;
    }

    /** @return the file's text, or null when it is not UTF-8 (the one IOException a readable file gives). */
    private static String utf8(final byte[] data)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(data)).toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
    }

    /**
     * {@code --acl-file} (AccessRules.withFile over RuleLines.read): IllegalArgumentException naming
     * the first bad line, or an IOException only when the file is not UTF-8 (RuleLines: "UTF-8";
     * the file is readable). Accepted: every kept line is {@code allow CIDR} or {@code deny CIDR}
     * with a CIDR that Cidr.parse accepts, and the rule counts are the lines'.
     */
    @FuzzTest
    void aclFile(final byte[] data)
    {
        final Path file = write("acl", data);
        final String text = utf8(data);
        final AccessRules rules;
        try
        {
            rules = AccessRules.withFile(file, List.of(), List.of(), 0);
        }
        catch (final IOException ex)
        {
            check(text == null, "an IOException for a readable UTF-8 file: " + ex);
            return;
        }
        catch (final IllegalArgumentException ex)
        {
            check(text != null, "invalid UTF-8 is not a line error");
            final List<RuleLines.Line> lines = expectedLines(text);
            boolean bad = false;
            for (final RuleLines.Line line : lines)
            {
                if (!aclLineParses(line.text()))
                {
                    check(ex.getMessage().startsWith(file + " line " + line.number() + ": "),
                        "the error names the first bad line, " + line.number() + ": " + ex.getMessage());
                    bad = true;
                    break;
                }
            }
            check(bad, "refused a file whose every line is allow/deny CIDR: " + ex.getMessage());
            return;
        }
        check(text != null, "accepted a file that is not UTF-8");
        int allow = 0;
        int deny = 0;
        for (final RuleLines.Line line : expectedLines(text))
        {
            check(aclLineParses(line.text()), "accepted the bad line " + line.number());
            if (line.text().startsWith("allow"))
            {
                allow++;
            }
            else
            {
                deny++;
            }
        }
        check(rules.summary().equals("allow " + allow + " deny " + deny + " max-per-ip 0"), rules.summary());
    }

    private static boolean aclLineParses(final String line)
    {
        final String[] words = line.split("\\s+");
        if (words.length != 2 || !(words[0].equals("allow") || words[0].equals("deny")))
        {
            return false;
        }
        try
        {
            Cidr.parse(words[1]);
            return true;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    /**
     * {@code --token-file} (Tokens.read over RuleLines.read): IllegalArgumentException for no token
     * or a token with white space inside, an IOException only when the file is not UTF-8. Accepted:
     * one token per kept line, each accepted by {@link Tokens#accepts}, and nothing else is.
     */
    @FuzzTest
    void tokenFile(final byte[] data)
    {
        final Path file = write("tokens-fuzzed", data);
        final String text = utf8(data);
        final Tokens tokens;
        try
        {
            tokens = Tokens.read(file);
        }
        catch (final IOException ex)
        {
            check(text == null, "an IOException for a readable UTF-8 file: " + ex);
            return;
        }
        catch (final IllegalArgumentException ex)
        {
            check(text != null, "invalid UTF-8 is not a token error");
            final List<RuleLines.Line> lines = expectedLines(text);
            check(lines.isEmpty() || lines.stream().anyMatch(l -> l.text().chars().anyMatch(Character::isWhitespace)),
                "refused a file of good tokens: " + ex.getMessage());
            return;
        }
        check(text != null, "accepted a file that is not UTF-8");
        final List<RuleLines.Line> lines = expectedLines(text);
        check(!lines.isEmpty() && tokens.count() == lines.size(), "one token per line");
        for (final RuleLines.Line line : lines)
        {
            check(line.text().chars().noneMatch(Character::isWhitespace), "no white space inside a token");
            check(tokens.accepts(line.text()), "a token of the file is accepted");
        }
        final String other = lines.get(0).text() + "x";
        check(tokens.accepts(other) == lines.stream().anyMatch(l -> l.text().equals(other)), "only the file's tokens");
    }

    private static final Pattern IPV4 = Pattern.compile("([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})\\.([0-9]{1,3})");

    /**
     * Cidr.parse: only IllegalArgumentException. Accepted: {@code ADDRESS} or {@code ADDRESS/PREFIX}
     * (Cidr's Javadoc), ADDRESS an IPv4 dotted quad of octets 0..255 or an IPv6 literal, PREFIX
     * decimal digits within 0..32 or 0..128 by the address's family; the block contains its own
     * address, and its text parses back to the same block.
     */
    @FuzzTest
    void cidr(final byte[] data)
    {
        final String text = new String(data, StandardCharsets.UTF_8);
        final Cidr block;
        try
        {
            block = Cidr.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            return;
        }
        final String trimmed = trim(text);
        check(block.toString().equals(trimmed), "its text is the trimmed input");
        final int slash = trimmed.indexOf('/');
        final String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        final Matcher v4 = IPV4.matcher(address);
        if (v4.matches())
        {
            for (int g = 1; g <= 4; g++)
            {
                check(Integer.parseInt(v4.group(g)) <= 255, "an IPv4 octet is 0..255: " + address);
            }
        }
        else
        {
            check(address.contains(":") && address.chars().allMatch(c -> c < 0x80 &&
                (Character.digit(c, 16) >= 0 || c == ':' || c == '.')), "an IPv6 literal: " + address);
        }
        final InetAddress inet;
        try
        {
            inet = InetAddress.getByName(address);
        }
        catch (final UnknownHostException ex)
        {
            throw new AssertionError("accepted an address that is not one: " + address, ex);
        }
        final int bits = inet.getAddress().length * 8;
        if (slash >= 0)
        {
            final String prefix = trimmed.substring(slash + 1);
            check(prefix.matches("[0-9]{1,3}") && Integer.parseInt(prefix) <= bits,
                "the prefix is decimal digits within 0.." + bits + ": '" + prefix + "'");
        }
        check(block.contains(inet), "a block contains its own address");
        final Cidr again = Cidr.parse(block.toString());
        check(again.contains(inet) && again.toString().equals(block.toString()), "its text parses back");
    }

    // ------------------------------------------------------------------------------------------
    // size, duration, bit rate
    // ------------------------------------------------------------------------------------------

    private static final Pattern SIZE = Pattern.compile("([0-9]+)[\\x00-\\x20]*(b|k|kb|kib|m|mb|mib|g|gb|gib)?",
        Pattern.CASE_INSENSITIVE);

    /**
     * SizeConverter.parseBytes (its Javadoc; README "The command line"): only picocli's
     * TypeConversionException. Accepted: ASCII decimal digits and an optional unit (B, k/KB/KiB,
     * M/MB/MiB, G/GB/GiB: powers of 1024), and the value is exactly digits &times; unit, &gt;= 0
     * (a negative size is refused: the -1 of "unset" is UnitValue's, not a size).
     */
    @FuzzTest
    void size(final byte[] data)
    {
        final String text = new String(data, StandardCharsets.UTF_8);
        final Long converted = converted(SizeConverter::parseBytes, text);
        if (converted == null)
        {
            return;
        }
        final long value = converted;
        check(value >= 0, "a size is >= 0: " + value);
        final Matcher m = SIZE.matcher(trim(text));
        check(m.matches(), "accepted '" + text + "', which is not digits and a unit");
        final String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
        final int shift = unit.startsWith("k") ? 10 : unit.startsWith("m") ? 20 : unit.startsWith("g") ? 30 : 0;
        checkScaled(text, m.group(1), 1L << shift, value);
    }

    /** @return the converter's value, or null when it refuses the text with its documented TypeConversionException. */
    private static Long converted(final ToLongFunction<String> converter, final String text)
    {
        try
        {
            return converter.applyAsLong(text);
        }
        catch (final CommandLine.TypeConversionException ex)
        {
            return null;
        }
    }

    /** Checks that {@code value} is the decimal {@code number} times {@code multiplier}, rounded down. */
    private static void checkScaled(final String text, final String number, final long multiplier, final long value)
    {
        final BigDecimal expected = new BigDecimal(number.endsWith(".") ? number + "0" : number)
            .multiply(BigDecimal.valueOf(multiplier)).setScale(0, RoundingMode.FLOOR);
        check(expected.compareTo(BigDecimal.valueOf(value)) == 0, "'" + text + "' is " + expected + ", not " + value);
    }

    private static final Pattern DURATION = Pattern.compile("([0-9]*\\.?[0-9]*)[\\x00-\\x20]*(ns|us|ms|s|m|min|h)?",
        Pattern.CASE_INSENSITIVE);

    /**
     * DurationConverter.parseNs (its Javadoc): only TypeConversionException. Accepted: a decimal
     * number (ASCII digits, at most one point) and an optional unit (ns, us, ms, s, m or min, h; a
     * bare number is seconds); the value is the number &times; the unit in ns, rounded down
     * (exact for any number of ns written in decimal), within 0 .. Long.MAX_VALUE.
     */
    @FuzzTest
    void duration(final byte[] data)
    {
        final String text = new String(data, StandardCharsets.UTF_8);
        final Long converted = converted(DurationConverter::parseNs, text);
        if (converted == null)
        {
            return;
        }
        final long value = converted;
        check(value >= 0, "a duration is >= 0: " + value);
        final Matcher m = DURATION.matcher(trim(text));
        check(m.matches() && m.group(1).chars().anyMatch(Character::isDigit),
            "accepted '" + text + "', which is not a number and a unit");
        final String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        final long unitNs = switch (unit)
        {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m", "min" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        checkScaled(text, m.group(1), unitNs, value);
    }

    private static final Pattern BIT_RATE =
        Pattern.compile("([0-9]*\\.?[0-9]*)[\\x00-\\x20]*([kmg]?)(bit/s|bps|bit)?", Pattern.CASE_INSENSITIVE);

    /**
     * BitRateConverter.parse (its Javadoc): only TypeConversionException. Accepted: a decimal
     * number (ASCII digits, at most one point), an optional SI prefix (k, M, G: powers of 1000) and
     * an optional bit, bit/s or bps; the value is the number &times; the prefix in bit/s, rounded
     * down, within the documented range 1 bit .. 1000 Gbit.
     */
    @FuzzTest
    void bitRate(final byte[] data)
    {
        final String text = new String(data, StandardCharsets.UTF_8);
        final Long converted = converted(BitRateConverter::parse, text);
        if (converted == null)
        {
            return;
        }
        final long value = converted;
        check(value >= 1 && value <= 1_000_000_000_000L, "a bit rate is 1 .. 10^12: " + value);
        final Matcher m = BIT_RATE.matcher(trim(text));
        check(m.matches() && m.group(1).chars().anyMatch(Character::isDigit),
            "accepted '" + text + "', which is not a number and a unit");
        final String prefix = m.group(2).toLowerCase(Locale.ROOT);
        final long multiplier = prefix.equals("k") ? 1_000L : prefix.equals("m") ? 1_000_000L :
            prefix.equals("g") ? 1_000_000_000L : 1L;
        checkScaled(text, m.group(1), multiplier, value);
    }
}
