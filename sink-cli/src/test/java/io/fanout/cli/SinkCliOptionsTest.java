package io.fanout.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option parsing and validation, in process (no socket is bound by these cases). */
class SinkCliOptionsTest
{
    private static String[] run(final String... args)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = SinkCli.run(args, Channels.newChannel(new java.io.ByteArrayInputStream(new byte[0])),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(status), err.toString(StandardCharsets.UTF_8)};
    }

    @ParameterizedTest
    @CsvSource({
        "500ms, 500000000",
        "2s, 2000000000",
        "1m, 60000000000",
        "10, 10000000000",
        "250us, 250000",
        "1.5s, 1500000000"})
    void durationsTakeUnits(final String text, final long ns)
    {
        assertEquals(ns, DurationConverter.parseNs(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "s", "5 parsecs", "-1s", "1.2.3s"})
    void badDurationsAreRefused(final String text)
    {
        assertThrows(CommandLine.TypeConversionException.class, () -> DurationConverter.parseNs(text));
    }

    @ParameterizedTest
    @CsvSource({"4096, 4096", "64KiB, 65536", "8MiB, 8388608", "1k, 1024", "2GiB, 2147483648"})
    void sizesTakeUnits(final String text, final long bytes)
    {
        assertEquals(bytes, SizeConverter.parseBytes(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "KiB", "12 furlongs", "-5"})
    void badSizesAreRefused(final String text)
    {
        assertThrows(CommandLine.TypeConversionException.class, () -> SizeConverter.parseBytes(text));
    }

    @ParameterizedTest
    @CsvSource({
        "--port,70000,--port 70000 is out of range",
        "--blocksize,0,--blocksize 0 is out of range",
        "--blocksize,128MiB,--blocksize 134217728 is out of range",
        "--format,flv,--format",
        "--drain-timeout,soon,soon",
        "--allow,banana,'banana' is not an IPv4 or IPv6 address block",
        "--deny,10.0.0.0/40,the prefix length must be 0..32",
        "--max-clients-per-ip,-1,--max-clients-per-ip -1 must be >= 0"})
    void outOfRangeOptionsExitTwoNamingTheOption(final String option, final String value, final String message)
    {
        final String[] result = run(option, value);
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains(message), result[1]);
        assertEquals(1, result[1].strip().lines().count(), "one line: " + result[1]);
    }

    @Test
    void helpDocumentsEveryOptionWithItsDefault()
    {
        final CommandLine commandLine = new CommandLine(new SinkCli(null, System.err));
        final String help = commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
        for (final String option : new String[] {"--host", "--port", "--format", "--blocksize", "--drain-timeout",
            "--allow", "--deny", "--max-clients-per-ip",
            "--events", "--help", "--version"})
        {
            assertTrue(help.contains(option), option + " missing from --help:\n" + help);
        }
        assertTrue(help.contains("default: 127.0.0.1"), help);
        assertTrue(help.contains("default: 4953"), help);
        assertTrue(help.contains("default: 10s"), help);
    }

    @ParameterizedTest
    @CsvSource({"64000, 64000", "64kbit, 64000", "4.5Mbit, 4500000", "4.5 Mbit/s, 4500000", "1Gbps, 1000000000",
        "2m, 2000000"})
    void bitRatesTakeSiUnits(final String text, final long bits)
    {
        assertEquals(bits, BitRateConverter.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Mbit", "4.5 furlongs", "-1kbit", "0", "0.1bit"})
    void badBitRatesAreRefused(final String text)
    {
        assertThrows(CommandLine.TypeConversionException.class, () -> BitRateConverter.parse(text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--loop|--loop needs --source file:PATH",
        "--pace --format raw|--pace with --format raw needs --rate",
        "--rate 1Mbit --format raw|--rate applies to --pace with --format raw or lines",
        "--pace --rate 1Mbit --format mpegts|--rate applies to --pace with --format raw or lines",
        "--demo --format raw|--demo is MPEG-TS; --format raw does not apply",
        "--demo --source tcp://127.0.0.1:1|--demo and --source are two inputs",
        "--source file:/nonexistent/in.ts|--source file:/nonexistent/in.ts: no readable file",
        "--source udp://host:1|--source",
        "--backpressure=soon|--backpressure",
        "--pace --format mpegts --source tcp://127.0.0.1:1|--pace applies to files and standard input",
        "--backpressure=0s|--backpressure 0s must be a positive duration",
        "--source-timeout 2s|--source-timeout applies to --source tcp://",
        "--source-timeout 0s --source tcp://127.0.0.1:1|--source-timeout must be above 0",
        "--source tcp://127.0.0.1:1,|--source",
        "--serve-format mp4|--serve-format",
        "--source gst:videotestsrc --format mpegts|--format does not apply to --source gst:",
        "--source gst:videotestsrc --pace|--pace applies to files and standard input",
        "--source gst:|--source gst: needs a pipeline"})
    void inputOptionsThatDoNotFitExitTwoNamingTheOption(final String args, final String message)
    {
        final String[] result = run(args.split(" "));
        assertEquals("2", result[0], result[1]);
        assertTrue(result[1].contains(message), result[1]);
        assertEquals(1, result[1].strip().lines().count(), "one line: " + result[1]);
    }
}
