package io.fanout.cli;

/** The {@code --format} values: how standard input is cut into buffers. */
enum InputFormat
{
    /** Blocks of up to {@code --blocksize} bytes, every buffer a keyframe. */
    raw
}
