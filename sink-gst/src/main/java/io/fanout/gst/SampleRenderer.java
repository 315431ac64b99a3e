package io.fanout.gst;

import io.fanout.sink.BufferFlags;
import io.fanout.sink.format.CapsStreamheader;
import io.fanout.sink.format.StreamheaderRules;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Turns what an appsink hands over (caps text, buffer bytes, GStreamer buffer flags, timestamps)
 * into sink calls, by the rules the GDP framer follows for the same things (docs/gdp.md §3, §6, §9):
 * <ul>
 * <li>{@code GST_BUFFER_FLAG_DELTA_UNIT} clear: a keyframe; set: {@link BufferFlags#DELTA_UNIT}.</li>
 * <li>{@code GST_BUFFER_FLAG_HEADER}: {@link BufferFlags#HEADER}. A HEADER buffer equal to one of
 * the current streamheader buffers is dropped and counted, as {@code MultiSocketSink.render}
 * and the GDP framer do (docs/semantics.md §4.1); every other is data (h264parse marks whole
 * keyframe access units HEADER). When the dropped buffer was a keyframe (mpegtsmux flags the PAT
 * it writes before a keyframe, not the keyframe's own packets), the next buffer rendered carries
 * the keyframe mark instead: a client that starts there gets the streamheader first anyway.</li>
 * <li>The bytes are copied once, into the sink's ring ({@link SampleTarget#copy}): GStreamer's
 * memory is mapped only while the sample is held.</li>
 * <li>Caps <b>replace</b> the streamheader, as on multihandlesink's pad (docs/semantics.md §7): the
 * first structure's {@code streamheader} array becomes the sink's; caps without one clear it;
 * a malformed one is reported and taken as none.</li>
 * <li>PTS and duration are nanoseconds already ({@code GstClockTime}); {@code GST_CLOCK_TIME_NONE}
 * is -1 as a Java long, which is {@code MultiSocketSink.CLOCK_TIME_NONE}.</li>
 * </ul>
 * Producer thread only (the appsink's streaming thread); the counters, any thread.
 */
final class SampleRenderer
{
    /** {@code GST_BUFFER_FLAG_HEADER} (GstBufferFlags, GStreamer 1.x). */
    static final int GST_HEADER = 1 << 10;
    /** {@code GST_BUFFER_FLAG_DELTA_UNIT} (GstBufferFlags, GStreamer 1.x). */
    static final int GST_DELTA_UNIT = 1 << 13;

    private final SampleTarget target;
    private final Consumer<String> reports;
    private String caps;
    private final StreamheaderRules rules = new StreamheaderRules();
    private volatile long buffers; // single writer (the producer); volatile so that any thread reads a recent value
    private volatile long keyframes;
    private volatile long bytes;
    private volatile long streamheaderChanges;
    private volatile long headerBuffersDropped;

    /**
     * @param target  where buffers and streamheaders go.
     * @param reports receives one line per problem met (a malformed caps streamheader).
     */
    SampleRenderer(final SampleTarget target, final Consumer<String> reports)
    {
        this.target = target;
        this.reports = reports;
    }

    /**
     * The caps of the next buffers, as {@code gst_caps_to_string} prints them. Unchanged text
     * changes nothing.
     *
     * @param text the caps.
     */
    void caps(final String text)
    {
        if (text.equals(caps))
        {
            return;
        }
        caps = text;
        byte[][] header;
        try
        {
            header = CapsStreamheader.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            reports.accept("gst: caps " + text + ": " + ex.getMessage() + "; taken as caps without a streamheader");
            header = null;
        }
        final ByteBuffer[] changed = rules.replace(header);
        if (changed != null)
        {
            streamheaderChanges = streamheaderChanges + 1;
            target.setStreamheader(changed);
        }
    }

    /**
     * Renders one buffer.
     *
     * @param data       the buffer's bytes, position to limit (read, not kept).
     * @param gstFlags   its GstBufferFlags bits.
     * @param ptsNs      its PTS in ns, or -1.
     * @param durationNs its duration in ns, or -1.
     */
    void buffer(final ByteBuffer data, final int gstFlags, final long ptsNs, final long durationNs)
    {
        final int flags = rules.flags(data, data.position(), data.remaining(), flags(gstFlags));
        if (flags == StreamheaderRules.DROP)
        {
            headerBuffersDropped = headerBuffersDropped + 1; // docs/semantics.md §4.1
            return;
        }
        if ((flags & BufferFlags.DELTA_UNIT) == 0)
        {
            keyframes = keyframes + 1;
        }
        buffers = buffers + 1;
        bytes = bytes + data.remaining();
        target.copy(data, flags, ptsNs, durationNs);
    }

    /**
     * @param gstFlags GstBufferFlags bits.
     * @return the sink's {@link BufferFlags} bits.
     */
    static int flags(final int gstFlags)
    {
        return ((gstFlags & GST_DELTA_UNIT) != 0 ? BufferFlags.DELTA_UNIT : 0) |
            ((gstFlags & GST_HEADER) != 0 ? BufferFlags.HEADER : 0);
    }

    /** @return buffers rendered (any thread). */
    long buffers()
    {
        return buffers;
    }

    /** @return buffers rendered without DELTA_UNIT (any thread). */
    long keyframes()
    {
        return keyframes;
    }

    /** @return bytes rendered (any thread). */
    long bytes()
    {
        return bytes;
    }

    /** @return HEADER buffers dropped as equal to the streamheader (any thread). */
    long headerBuffersDropped()
    {
        return headerBuffersDropped;
    }

    /** @return times the streamheader changed (any thread). */
    long streamheaderChanges()
    {
        return streamheaderChanges;
    }
}
