#!/usr/bin/env bash
# Benchmarks /health with wrk, all in one run on this machine:
#   1. a bare Netty hello-world on one event loop (the yardstick),
#   2. the http-demo server on one event loop, idle,
#   3. the http-demo server while one CPU-bound /processing_busy_fixed request per core runs on its worker pool,
#   4. the http-demo server with --no-metrics, idle: what the metrics cost.
# Targets: (2) reaches at least 0.8 x (1) in req/s; p99 of (3) is at most 10 ms; (2) reaches 0.9 x (4).
#   bench/http.sh            10 s per measurement
#   DURATION=30s bench/http.sh
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

command -v wrk > /dev/null || { echo "Installing wrk (Debian package) ..."; apt-get install -y -qq wrk > /dev/null; }
[ -f "$JAR" ] || mvn -B -q -DskipTests package

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; wait 2> /dev/null || true; }
trap cleanup EXIT

wait_for() { # port
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/health" && return 0
    sleep 0.1
  done
  echo "nothing answered on port $1" >&2
  exit 1
}

# wrk prints "Requests/sec: N" and, with --latency, a "99% Nms" line; both are read back as plain numbers.
measure() { # url -> "req_per_s p99_ms"
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/, "", v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v=v*1000}; print v}' <<< "$out")
  echo "$rps $p99"
}

warm() { wrk -t1 -c8 -d3s "$1" > /dev/null; }

java -cp "$JAR" bench/HelloWorldServer.java "$HELLO_PORT" > /dev/null 2>&1 & pids+=($!)
wait_for "$HELLO_PORT"
warm "http://127.0.0.1:$HELLO_PORT/health"
read -r hello_rps hello_p99 <<< "$(measure "http://127.0.0.1:$HELLO_PORT/health")"
kill "${pids[0]}"; wait "${pids[0]}" 2> /dev/null || true

# The same server without metrics (no request timer, no lag histogram, no /metrics); it idles while the other runs.
java -jar "$JAR" server --port "$BARE_PORT" --event-loops 1 --workers "$CORES" --no-metrics > /tmp/bench-http-bare.log 2>&1 & pids+=($!)
bare_pid=$!
wait_for "$BARE_PORT"
warm "http://127.0.0.1:$BARE_PORT/health"
read -r bare_rps bare_p99 <<< "$(measure "http://127.0.0.1:$BARE_PORT/health")"

java -jar "$JAR" server --port "$DEMO_PORT" --event-loops 1 --workers "$CORES" > /tmp/bench-http-server.log 2>&1 & pids+=($!)
wait_for "$DEMO_PORT"
warm "http://127.0.0.1:$DEMO_PORT/health"
read -r idle_rps idle_p99 <<< "$(measure "http://127.0.0.1:$DEMO_PORT/health")"
# Metrics on vs off, alternated once more (off, on, off, on) and the better run of each kept: a busy machine moves
# single runs by more than the difference measured.
read -r bare2_rps bare2_p99 <<< "$(measure "http://127.0.0.1:$BARE_PORT/health")"
read -r idle2_rps idle2_p99 <<< "$(measure "http://127.0.0.1:$DEMO_PORT/health")"
kill "$bare_pid"; wait "$bare_pid" 2> /dev/null || true
on_rps=$(awk -v a="$idle_rps" -v b="$idle2_rps" 'BEGIN {print (a > b) ? a : b}')
off_rps=$(awk -v a="$bare_rps" -v b="$bare2_rps" 'BEGIN {print (a > b) ? a : b}')

seconds=$(( ${DURATION%s} + 10 ))
for _ in $(seq 1 "$CORES"); do
  curl -s -o /dev/null "http://127.0.0.1:$DEMO_PORT/processing_busy_fixed?seconds=$seconds" & pids+=($!)
done
sleep 1
read -r load_rps load_p99 <<< "$(measure "http://127.0.0.1:$DEMO_PORT/health")"

ratio=$(awk -v a="$idle_rps" -v b="$hello_rps" 'BEGIN {printf "%.2f", a / b}')
ratio_ok=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.8) ? "PASS" : "FAIL"}')
p99_ok=$(awk -v p="$load_p99" 'BEGIN {print (p <= 10) ? "PASS" : "FAIL"}')
metrics_ratio=$(awk -v a="$on_rps" -v b="$off_rps" 'BEGIN {printf "%.2f", a / b}')
metrics_ok=$(awk -v r="$metrics_ratio" 'BEGIN {print (r >= 0.9) ? "PASS" : "FAIL"}')

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION per measurement, GET /health"
printf '%-44s %12s %10s\n' "measurement" "req/s" "p99 ms"
printf '%-44s %12.0f %10.2f\n' "bare Netty hello-world, 1 loop" "$hello_rps" "$hello_p99"
printf '%-44s %12.0f %10.2f\n' "http-demo /health, 1 loop, idle" "$idle_rps" "$idle_p99"
printf '%-44s %12.0f %10.2f\n' "http-demo /health, idle, --no-metrics" "$bare_rps" "$bare_p99"
printf '%-44s %12.0f %10.2f\n' "http-demo /health, idle, --no-metrics, again" "$bare2_rps" "$bare2_p99"
printf '%-44s %12.0f %10.2f\n' "http-demo /health, 1 loop, idle, again" "$idle2_rps" "$idle2_p99"
printf '%-44s %12.0f %10.2f\n' "http-demo /health, $CORES CPU-bound fixed requests" "$load_rps" "$load_p99"
echo "idle throughput ratio (target >= 0.8): $ratio $ratio_ok"
echo "p99 under load (target <= 10 ms): $load_p99 ms $p99_ok"
printf 'metrics on / off, idle, best of two each (target >= 0.9): %.0f / %.0f = %s %s\n' "$on_rps" "$off_rps" "$metrics_ratio" "$metrics_ok"
