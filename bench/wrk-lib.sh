# Sourced by the bench scripts: waiting for a server and reading wrk's figures back as plain numbers.
# Uses THREADS, CONNECTIONS and DURATION (a wrk duration: 10s, 1m) from the sourcing script.

wait_for() { # port
  for _ in $(seq 1 300); do
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
