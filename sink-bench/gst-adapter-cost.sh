#!/usr/bin/env bash
# CPU per buffer of the GStreamer adapter (sink-cli --source gst:, in process) against the
# out-of-process route (gst-launch-1.0 ... ! gdppay ! fdsink | sink-cli --format gdp).
#
# The same cheap source feeds both: N buffers of 1,316 bytes (a 1316x1 GRAY8 frame, the size of
# seven TS packets) as fast as GStreamer makes them (appsink and fdsink unsynchronised), no client.
# Each route runs twice, with N buffers and with 1, and the difference of the CPU time of all
# processes (user + system, /usr/bin/time) divided by N - 1 is the cost per buffer without JVM
# and GStreamer start-up. Run on a quiet machine; build first (mvn -DskipTests install).
#
#   sink-bench/gst-adapter-cost.sh            # N=200000
#   N=500000 sink-bench/gst-adapter-cost.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/sink-cli/target/sink-cli.jar"
N="${N:-200000}"
[ -f "$jar" ] || { echo "build first: mvn -DskipTests install" >&2; exit 2; }
src() { echo "videotestsrc pattern=black num-buffers=$1 ! video/x-raw,format=GRAY8,width=1316,height=1,framerate=1000/1"; }

# prints the CPU seconds (user + system) of a shell command and its children
cpu() {
  local times
  times="$(mktemp)"
  /usr/bin/time -o "$times" -f '%U %S' bash -c "$1" >/dev/null 2>&1
  awk '{printf "%.3f", $1 + $2}' "$times"
  rm -f "$times"
}

in_process() { echo "java -jar '$jar' --port 0 --drain-timeout 0 --source 'gst:$(src "$1") ! appsink name=fanout sync=false'"; }
gdp_pipe() { echo "gst-launch-1.0 -q $(src "$1") ! gdppay ! fdsink fd=1 | java -jar '$jar' --port 0 --drain-timeout 0 --format gdp"; }

for route in in_process gdp_pipe; do
  full="$(cpu "$($route "$N")")"
  one="$(cpu "$($route 1)")"
  awk -v r="$route" -v n="$N" -v full="$full" -v one="$one" \
    'BEGIN { printf "%-10s  N=%d: %.2f s CPU, start-up %.2f s, %.2f us per buffer\n", r, n, full, one, (full - one) * 1e6 / (n - 1) }'
done
