package io.fanout.cli;

import java.util.Map;

/** Turns SinkConfig's field names in its validation messages into the CLI's option names. */
final class ConfigOptionNames
{
    private static final Map<String, String> OPTIONS = Map.ofEntries(
        Map.entry("burstValue", "--burst-value"),
        Map.entry("unitsMax", "--units-max"),
        Map.entry("unitsSoftMax", "--units-soft-max"),
        Map.entry("timeMinNs", "--time-min"),
        Map.entry("bytesMin", "--bytes-min"),
        Map.entry("buffersMin", "--buffers-min"),
        Map.entry("timeoutNs", "--timeout"),
        Map.entry("qosDscp", "--qos-dscp"),
        Map.entry("queueCapacityBuffers", "--queue-capacity-buffers"),
        Map.entry("queueCapacityBytes", "--queue-capacity-bytes"),
        Map.entry("maxWriteDelayNs", "--max-write-delay"),
        Map.entry("writeBatchBytes", "--write-batch"),
        Map.entry("backpressureMaxWaitNs", "--backpressure"));

    private ConfigOptionNames()
    {
    }

    /**
     * @param message a SinkConfig message that starts with a field name ("qosDscp = 99 is out of range ...").
     * @return the message with the option's name instead ("--qos-dscp = 99 is out of range ...").
     */
    static String rename(final String message)
    {
        final int space = message.indexOf(' ');
        final String field = space < 0 ? message : message.substring(0, space);
        final String option = OPTIONS.get(field);
        return option == null ? message : option + message.substring(field.length());
    }
}
