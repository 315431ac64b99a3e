#!/usr/bin/env bash
# Side by side: GStreamer 1.22's tcpserversink, a plain C epoll fan-out server (sink-bench/c,
# built here with gcc: the physical-limit column) and fanout's sink-cli, fed the same bytes by the
# same feeder and read by the same load generator (io.fanout.bench.LoadGen), one scenario after
# the other, in one run. Prints one table with the three sides; the headline is fanout's server
# CPU over the C server's.
#
#   sink-bench/compare-gstreamer.sh                 # every scenario
#   sink-bench/compare-gstreamer.sh max64k-100 latency-100
#   DURATION=20 WARMUP=5 sink-bench/compare-gstreamer.sh   # longer windows (default 12 s + 3 s)
#   sink-bench/compare-gstreamer.sh --list
#   SIDES="fanout" sink-bench/compare-gstreamer.sh ts-1000   # one side only (default: gst c fanout)
#
# Each side of a scenario: the server reads its standard input from a FIFO that the load
# generator writes; the load generator waits for the port, connects its clients (paced: the
# reference listens with a backlog of 5), waits 1 s, starts the feed, warms up WARMUP seconds and
# measures DURATION seconds, sampling the server's CPU time (/proc/PID/stat) and RSS over the
# window. Then the feed ends and the server exits (or is killed after 10 s). Every socket is on
# 127.0.0.1. A whole run takes about 6 x 2 x (WARMUP + DURATION + 5) seconds plus the connection
# time of the 10,000-client scenario (5 s per side): about 4 minutes with the defaults.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
DURATION="${DURATION:-12}"
WARMUP="${WARMUP:-3}"
BASE_PORT="${BASE_PORT:-24100}"  # below the ephemeral range (32768-60999), where a port may be taken by a client socket
LOADGEN_JAVA_OPTS="${LOADGEN_JAVA_OPTS:--Xms256m -Xmx1g}"
FANOUT_JAVA_OPTS="${FANOUT_JAVA_OPTS:-}"
OUT="${OUT:-$root/sink-bench/target/compare}"

# name | buffer bytes | clients | rate (bits/s or max) | extra load generator options | extra sink-cli options
# max-*: closed loop (the feed goes as fast as the slowest side lets it); the others at a fixed rate.
# fanout's write coalescing: the default (10 ms) unless the scenario sets --max-write-delay;
# latency-100 writes at once, delay-100 is the same stream with the default delay.
SCENARIOS=(
  "max64k-100|65536|100|max||"
  "max64k-500|65536|500|max||"
  "max1316-100|1316|100|max||"
  "fix64k-100|65536|100|120000000||"
  "fix64k-500|65536|500|24000000||"
  "fix1316-100|1316|100|120000000||"
  "ts-1000|1316|1000|4500000|--timestamps|"
  "low-10000|1316|10000|64000|--timestamps|--max-write-delay 1s"
  "latency-100|1316|100|4500000|--timestamps|--max-write-delay 0"
  "delay-100|1316|100|4500000|--timestamps|"
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${SCENARIOS[@]}" | cut -d'|' -f1
  exit 0
fi
selected=("$@")

# --- the reference, from Debian's packages --------------------------------------------------
if ! command -v gst-launch-1.0 >/dev/null || ! gst-inspect-1.0 tcpserversink >/dev/null 2>&1; then
  echo "installing GStreamer (gstreamer1.0-tools, gstreamer1.0-plugins-base) from Debian" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends gstreamer1.0-tools gstreamer1.0-plugins-base >/dev/null
fi
gst_version="$(gst-launch-1.0 --version | sed -n 's/.*version //p' | head -1)"

# --- our jars ---------------------------------------------------------------------------------
cli_jar="$root/sink-cli/target/sink-cli.jar"
bench_jar="$root/sink-bench/target/benchmarks.jar"
if [ ! -f "$cli_jar" ] || [ ! -f "$bench_jar" ] || \
   [ -n "$(find "$root"/pom.xml "$root"/sink-*/pom.xml "$root"/sink-*/src/main -newer "$bench_jar" -print -quit)" ] || \
   [ -n "$(find "$root"/sink-core/src/main "$root"/sink-cli/src/main -newer "$cli_jar" -print -quit)" ]; then
  echo "building sink-cli.jar and benchmarks.jar (mvn package)" >&2
  (cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests package -pl sink-cli,sink-bench -am) >&2 </dev/null
fi

# --- the C column ------------------------------------------------------------------------------
c_server="$root/sink-bench/target/epoll-fanout"
if [ ! -x "$c_server" ] || [ "$here/c/epoll-fanout.c" -nt "$c_server" ]; then
  mkdir -p "$(dirname "$c_server")"
  gcc -O2 -Wall -o "$c_server" "$here/c/epoll-fanout.c"
fi

# --- file descriptors: each side's server and the load generator hold one per client ---------
hard="$(ulimit -Hn)"
[ "$hard" = "unlimited" ] && hard=1048576
ulimit -n "$hard"
echo "# fd limit $(ulimit -n); $(nproc) CPUs; $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); kernel $(uname -r)" >&2
echo "# GStreamer $gst_version; $(java -version 2>&1 | head -1); window ${DURATION}s after ${WARMUP}s warm-up" >&2

mkdir -p "$OUT"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$BASE_PORT"
declare -A R   # R[scenario.side] = RESULT line

run_side() { # side name bytes clients rate extra fanout-options
  local side="$1" name="$2" bytes="$3" clients="$4" rate="$5" extra="$6" fanout_opts="${7:-}"
  port=$((port + 1))
  local fifo="$work/feed-$name-$side" log="$OUT/$name-$side.log"
  mkfifo "$fifo"
  local heap_opt=""
  if [ "$side" = gst ]; then
    gst-launch-1.0 -q fdsrc fd=0 blocksize="$bytes" ! tcpserversink host=127.0.0.1 port="$port" sync=false \
      <"$fifo" >"$log.server" 2>&1 &
  elif [ "$side" = c ]; then
    "$c_server" "$port" "$bytes" <"$fifo" >"$log.server" 2>&1 &
  else
    # shellcheck disable=SC2086
    java $FANOUT_JAVA_OPTS -jar "$cli_jar" --format raw --blocksize "$bytes" --host 127.0.0.1 --port "$port" \
      --drain-timeout 2s $fanout_opts <"$fifo" >"$log.server" 2>&1 &
    heap_opt="--jvm-heap"
  fi
  server_pid=$!
  local connect_s=$(( clients / 2000 + 30 ))
  local limit=$(( ${WARMUP%.*} + ${DURATION%.*} + connect_s + 90 ))
  # shellcheck disable=SC2086
  if ! timeout "$limit" java $LOADGEN_JAVA_OPTS -cp "$bench_jar" io.fanout.bench.LoadGen \
      --label "$name/$side" --port "$port" --clients "$clients" --chunk "$bytes" --rate "$rate" \
      --feed "$fifo" --server-pid "$server_pid" $heap_opt --warmup "$WARMUP" --duration "$DURATION" \
      --connect-rate 2000 --connect-inflight 8 $extra >"$log" 2>&1; then
    echo "load generator failed for $name/$side; see $log" >&2
  fi
  sed 's/^/  /' "$log" | grep -v '^  RESULT' >&2 || true
  R["$name.$side"]="$(grep '^RESULT' "$log" || echo RESULT)"
  for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$server_pid" 2>/dev/null; then kill "$server_pid" 2>/dev/null || true; sleep 0.5; fi
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -f "$fifo"
}

val() { # RESULT-line key [decimals]: the value, rounded (default 1 decimal)
  local v
  v="$(sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1")"
  awk -v a="${v:--}" -v d="${3:-1}" 'BEGIN { if (a == "-" || a == "") print "-"; else printf "%.*f", d, a }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
cmp() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { if (a == "-") { print "n/a"; exit }
  ok = (op == ">=") ? (a + 0 >= b + 0) : (a + 0 <= b + 0); print ok ? "MET" : "MISSED" }'; }
row() { printf '| %-12s | %-28s | %14s | %14s | %14s | %7s | %-24s | %-6s |\n' "$@"; }
per_cpu_s() { awk -v mb="$1" -v cpu="$2" 'BEGIN { if (mb == "-" || cpu == "-" || cpu + 0 == 0) print "-"; else printf "%.0f", mb / (cpu / 100) }'; }

for spec in "${SCENARIOS[@]}"; do
  IFS='|' read -r name bytes clients rate extra fanout_opts <<<"$spec"
  if [ ${#selected[@]} -gt 0 ] && ! printf '%s\n' "${selected[@]}" | grep -qx "$name"; then continue; fi
  need=$(( clients + 256 ))
  if [ "$(ulimit -n)" -lt "$need" ]; then
    echo "skipping $name: needs ulimit -n >= $need (hard limit is $hard)" >&2
    continue
  fi
  echo "== $name: $clients clients, $bytes-byte buffers, rate $rate" >&2
  for side in ${SIDES:-gst c fanout}; do
    run_side "$side" "$name" "$bytes" "$clients" "$rate" "$extra" "$fanout_opts"
  done
done

echo
echo "fanout vs GStreamer $gst_version tcpserversink and a C epoll server, one run, $(date -u +%Y-%m-%dT%H:%MZ), window ${DURATION}s after ${WARMUP}s warm-up"
row scenario metric tcpserversink "C epoll" fanout "fanout/C" target result
row ------------ ---------------------------- -------------- -------------- -------------- ------- ------------------------ ------
for spec in "${SCENARIOS[@]}"; do
  IFS='|' read -r name bytes clients rate extra fanout_opts <<<"$spec"
  g="${R[$name.gst]:-}"; c="${R[$name.c]:-}"; f="${R[$name.fanout]:-}"
  [ -z "$g$c$f" ] && continue
  ga="$(val "$g" agg_MBps)"; ca="$(val "$c" agg_MBps)"; fa="$(val "$f" agg_MBps)"
  gc="$(val "$g" server_cpu_pct)"; cc="$(val "$c" server_cpu_pct)"; fc="$(val "$f" server_cpu_pct)"
  row "$name" "aggregate MB/s" "$ga" "$ca" "$fa" "$(ratio "$fa" "$ca")" "" ""
  row "" "server CPU % of a core" "$gc" "$cc" "$fc" "$(ratio "$fc" "$cc")" "" ""
  row "" "MB per server CPU-second" "$(per_cpu_s "$ga" "$gc")" "$(per_cpu_s "$ca" "$cc")" "$(per_cpu_s "$fa" "$fc")" \
    "$(ratio "$(per_cpu_s "$fa" "$fc")" "$(per_cpu_s "$ca" "$cc")")" "" ""
  row "" "clients connected" "$(val "$g" connected 0)" "$(val "$c" connected 0)" "$(val "$f" connected 0)" "" "" ""
  row "" "client min/median/max MB/s" "$(val "$g" min_MBps 3)/$(val "$g" med_MBps 3)/$(val "$g" max_MBps 3)" \
    "$(val "$c" min_MBps 3)/$(val "$c" med_MBps 3)/$(val "$c" max_MBps 3)" \
    "$(val "$f" min_MBps 3)/$(val "$f" med_MBps 3)/$(val "$f" max_MBps 3)" "" "" ""
  row "" "min / median client" "$(val "$g" min_over_med 2)" "$(val "$c" min_over_med 2)" "$(val "$f" min_over_med 2)" "" "" ""
  row "" "clients no data / closed" "$(val "$g" no_data 0)/$(val "$g" closed_by_server 0)" \
    "$(val "$c" no_data 0)/$(val "$c" closed_by_server 0)" "$(val "$f" no_data 0)/$(val "$f" closed_by_server 0)" "" "" ""
  row "" "first byte p50/p99 ms" "$(val "$g" ttfb_p50_ms)/$(val "$g" ttfb_p99_ms)" "$(val "$c" ttfb_p50_ms)/$(val "$c" ttfb_p99_ms)" \
    "$(val "$f" ttfb_p50_ms)/$(val "$f" ttfb_p99_ms)" "" "" ""
  cpu_ratio="$(ratio "$fc" "$cc")"
  lat() { echo "$(val "$1" lat_p50_us 0)/$(val "$1" lat_p99_us 0)/$(val "$1" lat_max_us 0)"; }
  case "$name" in
    max64k-100)
      row "" "TARGET aggregate vs gst" "" "" "" "$(ratio "$fa" "$ga")" ">= 1.25x gst" "$(cmp "$(ratio "$fa" "$ga")" '>=' 1.25)" ;;
    max64k-500)
      row "" "TARGET aggregate vs gst" "" "" "" "$(ratio "$fa" "$ga")" ">= 2x gst" "$(cmp "$(ratio "$fa" "$ga")" '>=' 2)" ;;
    max1316-100)
      row "" "TARGET aggregate vs gst" "" "" "" "$(ratio "$fa" "$ga")" ">= 4x gst" "$(cmp "$(ratio "$fa" "$ga")" '>=' 4)" ;;
    fix64k-100|fix64k-500)
      row "" "TARGET CPU vs C" "" "" "" "$cpu_ratio" "<= 0.9x C" "$(cmp "$cpu_ratio" '<=' 0.9)" ;;
    fix1316-100)
      row "" "TARGET CPU vs C" "" "" "" "$cpu_ratio" "<= 1.0x C" "$(cmp "$cpu_ratio" '<=' 1.0)" ;;
    ts-1000)
      row "" "latency p50/p99/max us" "$(lat "$g")" "$(lat "$c")" "$(lat "$f")" "" "" ""
      row "" "TARGET CPU vs C" "" "" "" "$cpu_ratio" "<= 0.8x C" "$(cmp "$cpu_ratio" '<=' 0.8)"
      row "" "TARGET min client / stream" "$(val "$g" min_over_feed 3)" "$(val "$c" min_over_feed 3)" \
        "$(val "$f" min_over_feed 3)" "" ">= 0.99" "$(cmp "$(val "$f" min_over_feed 3)" '>=' 0.99)" ;;
    low-10000)
      row "" "server RSS B/client" "$(val "$g" server_rss_per_client_B 0)" "$(val "$c" server_rss_per_client_B 0)" \
        "$(val "$f" server_rss_per_client_B 0)" "" "" ""
      row "" "latency p50/p99/max us" "$(lat "$g")" "$(lat "$c")" "$(lat "$f")" "" "" ""
      row "" "TARGET CPU vs C" "" "" "" "$cpu_ratio" "<= 0.35x C" "$(cmp "$cpu_ratio" '<=' 0.35)"
      row "" "TARGET p99 added delay us" "" "" \
        "$(awk -v f="$(val "$f" lat_p99_us 0)" -v c="$(val "$c" lat_p99_us 0)" 'BEGIN { if (f == "-" || c == "-") print "-"; else print f - c }')" \
        "" "<= 1000000 (the delay)" \
        "$(cmp "$(awk -v f="$(val "$f" lat_p99_us 0)" -v c="$(val "$c" lat_p99_us 0)" 'BEGIN { if (f == "-" || c == "-") print "-"; else print f - c }')" '<=' 1000000)"
      row "" "TARGET all served" "$(val "$g" no_data 0)" "$(val "$c" no_data 0)" "$(val "$f" no_data 0)" "" "0 without data" \
        "$(cmp "$(val "$f" no_data 0)" '<=' 0)"
      row "" "TARGET heap B/client" "" "" "$(val "$f" server_heap_per_client_B 0)" "" "<= 2048" \
        "$(cmp "$(val "$f" server_heap_per_client_B 0)" '<=' 2048)" ;;
    delay-100)
      row "" "latency p50/p99/max us" "$(lat "$g")" "$(lat "$c")" "$(lat "$f")" "" "" ""
      row "" "TARGET p99 latency us" "" "" "$(val "$f" lat_p99_us 0)" "" "<= 10000 + C p99" \
        "$(cmp "$(val "$f" lat_p99_us 0)" '<=' "$(awk -v c="$(val "$c" lat_p99_us 0)" 'BEGIN { print c + 10000 }')")" ;;
    latency-100)
      row "" "latency p50/p99/max us" "$(lat "$g")" "$(lat "$c")" "$(lat "$f")" "" "" ""
      row "" "TARGET p99 latency us" "" "" "$(val "$f" lat_p99_us 0)" "" "<= 2000" "$(cmp "$(val "$f" lat_p99_us 0)" '<=' 2000)" ;;
  esac
done
echo
echo "logs and RESULT lines: $OUT"
