package io.fanout.cli;

import io.fanout.sink.format.Framer;
import io.fanout.sink.format.GdpFramer;
import io.fanout.sink.format.LinesFramer;
import io.fanout.sink.format.MpegTsFramer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bad input a framer met, by kind, as {@code fanout_input_errors_total{kind=...}} counts it:
 * MPEG-TS sync losses and rejected PAT/PMT sections, GDP bad records, over-long lines. Any thread
 * (the framers' counters are read racily; each is a single long written by the producer).
 */
final class InputErrors
{
    private InputErrors()
    {
    }

    /** @return kind to count, every kind of this framer's format present (zero when none). */
    static Map<String, Long> of(final Framer framer)
    {
        final Map<String, Long> kinds = new LinkedHashMap<>();
        if (framer instanceof MpegTsFramer)
        {
            kinds.put("mpegts_sync_loss", ((MpegTsFramer)framer).syncLosses());
            kinds.put("mpegts_section_rejected", ((MpegTsFramer)framer).sectionsRejected());
        }
        else if (framer instanceof GdpFramer)
        {
            kinds.put("gdp_bad_record", ((GdpFramer)framer).badRecords());
        }
        else if (framer instanceof LinesFramer)
        {
            kinds.put("line_too_long", ((LinesFramer)framer).splitLines());
        }
        return kinds;
    }
}
