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

    private final String contentType;

    InputFormat(final String contentType)
    {
        this.contentType = contentType;
    }

    /** @return the Content-Type answered to HTTP clients ({@code --http}). */
    String contentType()
    {
        return contentType;
    }
}
