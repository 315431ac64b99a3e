package io.fanout.cli;

import io.fanout.sink.RecoverPolicy;
import io.fanout.sink.SinkConfig;
import io.fanout.sink.SyncMethod;
import io.fanout.sink.UnitFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sink option reaches the SinkConfig; every bad one exits 2 naming the option. */
class SinkCliConfigTest
{
    private static SinkConfig configOf(final String... args)
    {
        final SinkCli cli = new SinkCli(null, System.err);
        new CommandLine(cli).parseArgs(args);
        return cli.sinkConfig();
    }

    static Stream<Arguments> options()
    {
        return Stream.of(
            Arguments.of(new String[] {"--sync-method", "burst-keyframe"}, get(SinkConfig::syncMethod), SyncMethod.BURST_KEYFRAME),
            Arguments.of(new String[] {"--sync-method", "next-keyframe"}, get(SinkConfig::syncMethod), SyncMethod.NEXT_KEYFRAME),
            Arguments.of(new String[] {"--burst-format", "time", "--burst-value", "2s"}, get(SinkConfig::burstValue), 2_000_000_000L),
            Arguments.of(new String[] {"--burst-format", "bytes", "--burst-value", "64KiB"}, get(SinkConfig::burstValue), 65536L),
            Arguments.of(new String[] {"--burst-format", "buffers", "--burst-value", "25"}, get(SinkConfig::burstFormat), UnitFormat.BUFFERS),
            Arguments.of(new String[] {"--unit-format", "time"}, get(SinkConfig::unitFormat), UnitFormat.TIME),
            Arguments.of(new String[] {"--unit-format", "time", "--units-max", "3s"}, get(SinkConfig::unitsMax), 3_000_000_000L),
            Arguments.of(new String[] {"--unit-format", "bytes", "--units-max", "8MiB"}, get(SinkConfig::unitsMax), 8L << 20),
            Arguments.of(new String[] {"--units-max", "300"}, get(SinkConfig::unitsMax), 300L),
            Arguments.of(new String[] {"--units-soft-max", "100"}, get(SinkConfig::unitsSoftMax), 100L),
            Arguments.of(new String[] {"--units-soft-max", "10", "--recover-policy", "resync-keyframe"},
                get(SinkConfig::recoverPolicy), RecoverPolicy.RESYNC_KEYFRAME),
            Arguments.of(new String[] {"--bytes-min", "1MiB"}, get(SinkConfig::bytesMin), 1L << 20),
            Arguments.of(new String[] {"--time-min", "500ms"}, get(SinkConfig::timeMinNs), 500_000_000L),
            Arguments.of(new String[] {"--buffers-min", "12"}, get(SinkConfig::buffersMin), 12L),
            Arguments.of(new String[] {"--timeout", "1m"}, get(SinkConfig::timeoutNs), 60_000_000_000L),
            Arguments.of(new String[] {"--qos-dscp", "46"}, get(SinkConfig::qosDscp), 46),
            Arguments.of(new String[] {"--no-resend-streamheader"}, get(SinkConfig::resendStreamheader), false),
            Arguments.of(new String[] {"--resend-streamheader=false"}, get(SinkConfig::resendStreamheader), false),
            Arguments.of(new String[] {"--queue-capacity-buffers", "1024"}, get(SinkConfig::queueCapacityBuffers), 1024),
            Arguments.of(new String[] {"--queue-capacity-bytes", "8MiB"}, get(SinkConfig::queueCapacityBytes), 8L << 20),
            Arguments.of(new String[] {"--backpressure"}, get(SinkConfig::backpressureMaxWaitNs),
                SinkConfig.BACKPRESSURE_UNBOUNDED),
            Arguments.of(new String[] {"--max-write-delay", "0"}, get(SinkConfig::maxWriteDelayNs), 0L),
            Arguments.of(new String[] {"--max-write-delay", "500ms"}, get(SinkConfig::maxWriteDelayNs), 500_000_000L),
            Arguments.of(new String[] {"--write-batch", "16KiB"}, get(SinkConfig::writeBatchBytes), 16384),
            Arguments.of(new String[] {"--backpressure=1s"}, get(SinkConfig::backpressureMaxWaitNs), 1_000_000_000L),
            Arguments.of(new String[] {"--demo"}, get(SinkConfig::syncMethod), SyncMethod.LATEST_KEYFRAME),
            Arguments.of(new String[] {"--demo", "--sync-method", "burst"}, get(SinkConfig::syncMethod), SyncMethod.BURST));
    }

    private static Function<SinkConfig, Object> get(final Function<SinkConfig, Object> getter)
    {
        return getter;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("options")
    void everyOptionReachesTheConfig(final String[] args, final Function<SinkConfig, Object> getter, final Object expected)
    {
        assertEquals(expected, getter.apply(configOf(args)));
        assertNotEquals(expected, getter.apply(SinkConfig.defaults()), "the case must differ from the default");
    }

    @Test
    void defaultsAreTheLibraryDefaults()
    {
        assertEquals(SinkConfig.defaults().toString(), configOf().toString());
    }

    static Stream<Arguments> badOptions()
    {
        return Stream.of(
            Arguments.of(new String[] {"--sync-method", "fastest"}, "--sync-method"),
            Arguments.of(new String[] {"--recover-policy", "pray"}, "--recover-policy"),
            Arguments.of(new String[] {"--unit-format", "furlongs"}, "--unit-format"),
            Arguments.of(new String[] {"--unit-format", "undefined"}, "--unit-format"),
            Arguments.of(new String[] {"--unit-format", "time", "--units-max", "lots"}, "--units-max"),
            Arguments.of(new String[] {"--units-max", "0"}, "--units-max"),
            Arguments.of(new String[] {"--units-soft-max", "20", "--units-max", "10"}, "--units-soft-max"),
            Arguments.of(new String[] {"--recover-policy", "resync-latest"}, "--recover-policy"),
            Arguments.of(new String[] {"--burst-value", "10"}, "--burst-value"),
            Arguments.of(new String[] {"--burst-format", "bytes", "--burst-value", "ten"}, "--burst-value"),
            Arguments.of(new String[] {"--bytes-min", "lots"}, "--bytes-min"),
            Arguments.of(new String[] {"--time-min", "soon"}, "--time-min"),
            Arguments.of(new String[] {"--buffers-min", "-7"}, "--buffers-min"),
            Arguments.of(new String[] {"--timeout", "whenever"}, "--timeout"),
            Arguments.of(new String[] {"--qos-dscp", "64"}, "--qos-dscp"),
            Arguments.of(new String[] {"--queue-capacity-buffers", "0"}, "--queue-capacity-buffers"),
            Arguments.of(new String[] {"--queue-capacity-bytes", "0"}, "--queue-capacity-bytes"),
            Arguments.of(new String[] {"--max-write-delay", "1m"}, "--max-write-delay"),
            Arguments.of(new String[] {"--write-batch", "0"}, "--write-batch"),
            Arguments.of(new String[] {"--max-clients", "-1"}, "--max-clients"),
            Arguments.of(new String[] {"--stats-interval", "often"}, "--stats-interval"),
            Arguments.of(new String[] {"--keyframe-pid", "256"}, "--keyframe-pid"),
            Arguments.of(new String[] {"--format", "mpegts", "--keyframe-pid", "video"}, "--keyframe-pid"),
            Arguments.of(new String[] {"--format", "mpegts", "--keyframe-pid", "9000"}, "--keyframe-pid"),
            Arguments.of(new String[] {"--strict"}, "--strict"),
            Arguments.of(new String[] {"--format", "lines", "--max-line-length", "0"}, "--max-line-length"),
            Arguments.of(new String[] {"--max-line-length", "100"}, "--max-line-length"),
            Arguments.of(new String[] {"--source", "http://example/"}, "--source"),
            Arguments.of(new String[] {"--source", "tcp://127.0.0.1"}, "--source"),
            Arguments.of(new String[] {"--port", "-1"}, "--port"),
            Arguments.of(new String[] {"--bogus"}, "--bogus"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void badOptionsExitTwoNamingTheOption(final String[] args, final String option)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int status = SinkCli.run(args, Channels.newChannel(new ByteArrayInputStream(new byte[0])),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        final String message = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, message);
        assertTrue(message.contains(option), "the message names " + option + ": " + message);
        assertEquals(1, message.strip().lines().count(), "one line: " + message);
    }
}
