#!/usr/bin/env bash
# The long soak (issue 13; BENCHMARKS.md, "Soak"): sink-cli serving a 4.5 Mbit/s MPEG-TS (a CBR
# file made with ffmpeg, looped and paced) to 1,000 clients for 30 minutes, 10 % of the readers
# replaced every second, 5 % of the clients stalled (never reading, replaced every 30 s; the
# server removes them by --timeout), with the server's heap, old generation after GC, direct
# memory, file descriptors and threads read from its /metrics every minute. Not in CI.
#
#   sink-bench/soak.sh                       # 30 minutes
#   DURATION=300 CLIENTS=200 sink-bench/soak.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/sink-cli/target/sink-cli.jar"
bench="$root/sink-bench/target/benchmarks.jar"
[ -f "$cli" ] && [ -f "$bench" ] || { echo "build first: mvn -DskipTests package" >&2; exit 2; }
DURATION="${DURATION:-1800}"; CLIENTS="${CLIENTS:-1000}"
work="$(mktemp -d)"; trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
# 20 s of 4.5 Mbit/s CBR MPEG-TS: H.264 and AAC, a keyframe every second
ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440 -t 20 \
  -c:v libx264 -preset veryfast -g 25 -b:v 3800k -maxrate 3800k -bufsize 1900k -c:a aac -b:a 128k \
  -f mpegts -muxrate 4500k "$work/cbr.ts"
port=4971; admin=127.0.0.1:9971
ulimit -n 20000
java -Xmx512m -jar "$cli" --port $port --admin $admin --source "file:$work/cbr.ts" --format mpegts --loop --pace \
  --sync-method latest-keyframe --timeout 5s --stats-interval 60s 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do curl -sf "http://$admin/healthz" >/dev/null && break; sleep 0.1; done
java -cp "$bench" io.fanout.bench.SoakBench --port $port --admin $admin --clients "$CLIENTS" --duration "$DURATION"
echo "# server: $(grep -c 'removed' "$work/server.log" || true) removal lines; last stats: $(grep 'clients=' "$work/server.log" | tail -1)"
