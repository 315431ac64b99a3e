#!/usr/bin/env bash
# Makes the built-in demo clip that `sink-cli --demo` serves (and a terminal on standard input
# gets): 4 s of ffmpeg's testsrc2 pattern and a beeping 440 Hz tone, H.264 640x360 at 25 fps with a
# keyframe every second and no B-frames, AAC mono, about 1.4 Mbit/s, in MPEG-TS (704,436 bytes).
# The clip is committed; run this only to change it. Needs ffmpeg with libx264.
set -euo pipefail
out="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/src/main/resources/io/fanout/cli/input/demo.ts"
ffmpeg -v error -y \
  -f lavfi -i "testsrc2=size=640x360:rate=25" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:beep_factor=4" \
  -t 4 \
  -c:v libx264 -preset veryfast -profile:v main -pix_fmt yuv420p \
  -g 25 -keyint_min 25 -sc_threshold 0 -bf 0 -b:v 1200k -maxrate 1200k -bufsize 600k \
  -c:a aac -b:a 64k -ac 1 \
  -f mpegts -mpegts_flags +resend_headers "$out"
ls -l "$out"
