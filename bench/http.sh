#!/usr/bin/env bash
# Benchmarks /health with wrk, all in one run on this machine:
#   1. a bare Netty hello-world on one event loop (the yardstick),
#   2. the http-demo server on one event loop, idle, metrics on; (1) and (2) alternate three times, best of each kept,
#   3. the http-demo server while one CPU-bound /processing_busy_fixed request per core runs on its worker pool,
#   4. the bare hello-world while the same CPU-bound jobs run on a pool of the same size (bare Netty + the same pool),
#   5. the http-demo server with --no-metrics, idle: what the metrics cost.
# Targets: (2) reaches at least 0.95 x (1) in req/s; p99 of (3) is at most 1.1 x p99 of (4) (and at most 10 ms); (2)
# reaches 0.9 x (5). Exits 1 if a target is missed, or if the background requests of (3) did not all run for the whole
# measurement (refused, or failed).
#   bench/http.sh            10 s per measurement
#   DURATION=30s bench/http.sh     (any wrk duration: 30s, 1m, 2m30s is not one; 90s is)
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
JAR=http-demo/target/http-demo.jar
HELLO_PORT=${HELLO_PORT:-18081}
DEMO_PORT=${DEMO_PORT:-18082}
BARE_PORT=${BARE_PORT:-18083}
CORES=$(nproc)
SERVER_LOG=$(mktemp -t bench-http-server.XXXXXX)

# wrk's duration (30, 30s, 1m, 1h) in seconds, so the background work can be made to outlast the measurement.
seconds_of() {
  case "$1" in
    *[0-9]s | *[0-9]) echo "${1%s}" ;;
    *[0-9]m) echo $(( ${1%m} * 60 )) ;;
    *[0-9]h) echo $(( ${1%h} * 3600 )) ;;
    *) echo "" ;;
  esac
}
MEASURE_SECONDS=$(seconds_of "$DURATION")
[[ "$MEASURE_SECONDS" =~ ^[0-9]+$ ]] || { echo "DURATION must be whole seconds, minutes or hours (e.g. 10s, 1m), got '$DURATION'" >&2; exit 2; }
# The background work must last past the measurement; the server must accept that long a request and not cut it.
WORK_SECONDS=$(( MEASURE_SECONDS + 15 ))

command -v wrk > /dev/null || { echo "Installing wrk (Debian package) ..."; apt-get install -y -qq wrk > /dev/null; }
[ -f "$JAR" ] || mvn -B -q -DskipTests package

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -f "$SERVER_LOG" "$SERVER_LOG".curl*
}
trap cleanup EXIT

source bench/wrk-lib.sh

warm() { wrk -t1 -c8 -d3s "$1" > /dev/null; }

# The same server without metrics (no request timer, no lag histogram, no /metrics); it idles while the other runs.
java -jar "$JAR" server --port "$BARE_PORT" --event-loops 1 --workers "$CORES" --no-metrics > "$SERVER_LOG.bare" 2>&1 & pids+=($!)
bare_pid=$!
wait_for "$BARE_PORT"
warm "http://127.0.0.1:$BARE_PORT/health"
read -r bare_rps bare_p99 <<< "$(measure "http://127.0.0.1:$BARE_PORT/health")"

java -cp "$JAR" bench/HelloWorldServer.java "$HELLO_PORT" > /dev/null 2>&1 & pids+=($!)
hello_pid=$!
java -jar "$JAR" server --port "$DEMO_PORT" --event-loops 1 --workers "$CORES" --max-seconds "$WORK_SECONDS" \
  --work-deadline "$(( WORK_SECONDS + 60 ))s" > "$SERVER_LOG" 2>&1 & pids+=($!)
wait_for "$HELLO_PORT"
wait_for "$DEMO_PORT"
warm "http://127.0.0.1:$HELLO_PORT/health"
warm "http://127.0.0.1:$DEMO_PORT/health"
# Hello-world and http-demo alternated three times, the best run of each kept: a busy machine moves single runs by
# more than the difference measured, and alternating spreads its moods over both.
hello_runs=(); idle_runs=()
for round in 1 2 3; do
  read -r r p <<< "$(measure "http://127.0.0.1:$HELLO_PORT/health")"; hello_runs+=("$r/$p")
  read -r r p <<< "$(measure "http://127.0.0.1:$DEMO_PORT/health")"; idle_runs+=("$r/$p")
done
kill "$hello_pid"; wait "$hello_pid" 2> /dev/null || true
best() { printf '%s\n' "$@" | sort -t/ -k1,1 -g | tail -1; }
worst() { printf '%s\n' "$@" | sort -t/ -k1,1 -g | head -1; }
IFS=/ read -r hello_rps hello_p99 <<< "$(best "${hello_runs[@]}")"
IFS=/ read -r idle_rps idle_p99 <<< "$(best "${idle_runs[@]}")"
IFS=/ read -r hello_worst _ <<< "$(worst "${hello_runs[@]}")"
IFS=/ read -r idle_worst _ <<< "$(worst "${idle_runs[@]}")"
# Metrics on vs off, alternated once more (off, on) and the better run of each kept.
read -r bare2_rps bare2_p99 <<< "$(measure "http://127.0.0.1:$BARE_PORT/health")"
read -r idle2_rps idle2_p99 <<< "$(measure "http://127.0.0.1:$DEMO_PORT/health")"
kill "$bare_pid"; wait "$bare_pid" 2> /dev/null || true
on_rps=$(awk -v a="$idle_rps" -v b="$idle2_rps" 'BEGIN {print (a > b) ? a : b}')
off_rps=$(awk -v a="$bare_rps" -v b="$bare2_rps" 'BEGIN {print (a > b) ? a : b}')

background=()
for i in $(seq 1 "$CORES"); do
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DEMO_PORT/processing_busy_fixed?seconds=$WORK_SECONDS" \
    > "$SERVER_LOG.curl$i" & background+=($!); pids+=($!)
done
# Each must be running on a worker before the measurement starts, and still running when it ends: a request refused
# (400, 503) or cut short would leave a loaded row measured without its load.
background_failed() { # why
  echo "FAIL: the loaded row's background requests $1:" >&2
  for i in $(seq 1 "$CORES"); do echo "  request $i: status $(cat "$SERVER_LOG.curl$i" 2> /dev/null || true)" >&2; done
  grep -E 'REQUEST|REJECT|ERROR' "$SERVER_LOG" >&2 || true
  exit 1
}
for _ in $(seq 1 100); do
  [ "$(grep -c 'REQUEST /processing_busy_fixed' "$SERVER_LOG")" -ge "$CORES" ] && break
  sleep 0.1
done
[ "$(grep -c 'REQUEST /processing_busy_fixed' "$SERVER_LOG")" -ge "$CORES" ] || background_failed "did not all start"
read -r load_rps load_p99 <<< "$(measure "http://127.0.0.1:$DEMO_PORT/health")"
for p in "${background[@]}"; do
  kill -0 "$p" 2> /dev/null || background_failed "ended before the measurement did"
done

kill "${background[@]}" 2> /dev/null || true

# The same CPU-bound jobs on a pool of the same size in the bare hello-world: the loaded yardstick.
java -cp "$JAR" bench/HelloWorldServer.java "$HELLO_PORT" "$CORES" "$WORK_SECONDS" > /dev/null 2>&1 & pids+=($!)
pool_pid=$!
wait_for "$HELLO_PORT"
read -r pool_rps pool_p99 <<< "$(measure "http://127.0.0.1:$HELLO_PORT/health")"
kill "$pool_pid"; wait "$pool_pid" 2> /dev/null || true

ratio=$(awk -v a="$idle_rps" -v b="$hello_rps" 'BEGIN {printf "%.2f", a / b}')
ratio_ok=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.95) ? "PASS" : "FAIL"}')
p99_ratio=$(awk -v a="$load_p99" -v b="$pool_p99" 'BEGIN {printf "%.2f", a / b}')
p99_ok=$(awk -v p="$load_p99" -v r="$p99_ratio" 'BEGIN {print (p <= 10 && r <= 1.1) ? "PASS" : "FAIL"}')
metrics_ratio=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN {printf "%.2f", a / b}')
metrics_ok=$(awk -v r="$metrics_ratio" 'BEGIN {print (r >= 0.9) ? "PASS" : "FAIL"}')

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per measurement, GET /health"
printf '%-52s %12s %10s\n' "measurement" "req/s" "p99 ms"
for i in 0 1 2; do
  IFS=/ read -r r p <<< "${hello_runs[$i]}"; printf '%-52s %12.0f %10.2f\n' "bare Netty hello-world, 1 loop, round $((i + 1))" "$r" "$p"
  IFS=/ read -r r p <<< "${idle_runs[$i]}"; printf '%-52s %12.0f %10.2f\n' "http-demo /health, 1 loop, idle, round $((i + 1))" "$r" "$p"
done
printf '%-52s %12.0f %10.2f\n' "http-demo /health, idle, --no-metrics" "$bare_rps" "$bare_p99"
printf '%-52s %12.0f %10.2f\n' "http-demo /health, idle, --no-metrics, again" "$bare2_rps" "$bare2_p99"
printf '%-52s %12.0f %10.2f\n' "http-demo /health, idle, once more" "$idle2_rps" "$idle2_p99"
printf '%-52s %12.0f %10.2f\n' "http-demo /health, $CORES CPU-bound fixed requests" "$load_rps" "$load_p99"
printf '%-52s %12.0f %10.2f\n' "bare Netty + the same pool, $CORES CPU-bound jobs" "$pool_rps" "$pool_p99"
echo "idle throughput ratio, best of three alternating rounds (target >= 0.95): $ratio $ratio_ok (worst rounds: $(printf %.0f "$idle_worst") / $(printf %.0f "$hello_worst"))"
echo "p99 under load vs bare Netty + the same pool (target <= 1.1, and <= 10 ms): $load_p99 / $pool_p99 ms = $p99_ratio $p99_ok"
printf 'metrics on / off, idle, best of two each (target >= 0.9): %.0f / %.0f = %s %s\n' "$on_rps" "$off_rps" "$metrics_ratio" "$metrics_ok"
[ "$ratio_ok" = PASS ] && [ "$p99_ok" = PASS ] && [ "$metrics_ok" = PASS ]
