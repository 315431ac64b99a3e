package io.fanout.cli;

/** The {@code --format} values: how the input is cut into buffers. */
enum InputFormat
{
    /** Blocks of up to {@code --blocksize} bytes, every buffer a keyframe. */
    raw("application/octet-stream"),
    /** 188-byte MPEG-TS packets, keyframes at random access points, PAT and PMT as streamheader. */
    mpegts("video/mp2t"),
    /** GStreamer's GDP 1.0 as gdppay writes it: flags, timestamps and streamheader from the pipeline. */
    gdp("application/x-gdp"),
    /** One buffer per text line. */
    lines("text/plain; charset=utf-8");

    /** The GStreamer caps a GDP-served stream of this format announces ({@code --serve-format gdp}). */
    private static final String MPEGTS_CAPS = "video/mpegts, systemstream=(boolean)true, packetsize=(int)188";

    private final String contentType;

    InputFormat(final String contentType)
    {
        this.contentType = contentType;
    }

    /** @return the caps of the caps record that {@code --serve-format gdp} sends first. */
    String caps()
    {
        switch (this)
        {
            case mpegts:
                return MPEGTS_CAPS;
            case lines:
                return "text/x-raw, format=(string)utf8";
            default:
                return "application/octet-stream";
        }
    }

    /** @return the Content-Type answered to HTTP clients ({@code --http}). */
    String contentType()
    {
        return contentType;
    }
}
