#!/usr/bin/env bash
# kafka-demo benchmark, one run: embedded broker start time, time from the first oversized batch to the rebalance
# (naive consumer, classic protocol), and offload throughput with 4 partitions and 4 workers against its limit.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=kafka-demo/target/kafka-demo.jar
[ -f "$JAR" ] || mvn -B -q -DskipTests -pl kafka-demo -am package

WORK=$(mktemp -d)
BROKER_PID=
cleanup() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

demo() { java -jar "$JAR" "$@"; }
# Milliseconds since midnight of a log line's HH:MM:SS.mmm timestamp.
ms_of() { awk -F'[:. ]' '{ print (($1 * 60 + $2) * 60 + $3) * 1000 + $4; exit }'; }
first_line() { grep -m1 -F "$1" "$2" || true; }
verdict() { if [ "$1" = 1 ]; then echo PASS; else echo FAIL; fi; }
FAILED=0

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(java -version 2>&1 | head -1)"
echo

# 1. Broker start: from launching the JVM to "BROKER ready", and the broker's own start inside the JVM.
t0=$(date +%s%N)
# Not through demo(): a backgrounded function is a subshell, and killing it would leave the broker running.
java -jar "$JAR" broker --port "$PORT" > "$WORK/broker.log" 2>&1 &
BROKER_PID=$!
for _ in $(seq 1 600); do
  grep -q "BROKER ready" "$WORK/broker.log" && break
  kill -0 "$BROKER_PID" 2>/dev/null || { cat "$WORK/broker.log"; exit 1; }
  sleep 0.05
done
t1=$(date +%s%N)
wall_ms=$(( (t1 - t0) / 1000000 ))
inproc_ms=$(sed -n 's/.*started in \([0-9]*\) ms.*/\1/p' "$WORK/broker.log")
ok=$(( inproc_ms <= 3000 ))
[ "$ok" = 1 ] || FAILED=1
echo "broker start:        ${inproc_ms} ms in the JVM (${wall_ms} ms with JVM start)    target <= 3000 ms  $(verdict $ok)"
B=127.0.0.1:$PORT

# 2. Naive consumer, classic protocol: 3 records of 1500 ms against max.poll.interval.ms 3000.
demo produce --bootstrap-servers "$B" --topic naive --count 3 > /dev/null 2>&1
demo consume --bootstrap-servers "$B" --topic naive --group bench-naive --mode naive --process-ms 1500 \
  --max-poll-interval-ms 3000 --duration 9s > "$WORK/naive.log" 2>&1
batch=$(first_line "BATCH" "$WORK/naive.log" | ms_of)
left=$(first_line "consumer poll timeout has expired" "$WORK/naive.log" | ms_of)
lost=$(grep -m1 -E "\] (LOST|REVOKED) \[" "$WORK/naive.log" | ms_of)
to_leave=$(( left - batch ))
to_lost=$(( lost - batch ))
ok=$(( to_leave <= 5000 && to_lost <= 5000 ))
[ "$ok" = 1 ] || FAILED=1
echo "naive rebalance:     member left the group ${to_leave} ms after the first batch, LOST callback after ${to_lost} ms"
echo "                     (batch of 3 x 1500 ms, max.poll.interval.ms 3000)    target <= 5000 ms  $(verdict $ok)"
grep -F "SUMMARY" "$WORK/naive.log" | sed 's/^.*SUMMARY/                     SUMMARY/'

# 3. Offload throughput: 4 partitions, 4 workers, 200 ms of CPU per record; limit min(4, 4) x 1000 / 200 = 20 records/s.
RECORDS=300
demo produce --bootstrap-servers "$B" --topic offload --count "$RECORDS" --partitions 4 > /dev/null 2>&1
/usr/bin/time -f "%U %S" -o "$WORK/cpu.txt" java -jar "$JAR" consume --bootstrap-servers "$B" --topic offload \
  --group bench-offload --mode offload --process-ms 200 --workers 4 --expect "$RECORDS" --duration 60s \
  > "$WORK/offload.log" 2>&1
start=$(first_line "BATCH" "$WORK/offload.log" | ms_of)
end=$(grep -E "\] PROCESS " "$WORK/offload.log" | tail -1 | ms_of)
elapsed=$(( end - start ))
summary=$(grep -F "SUMMARY" "$WORK/offload.log")
rebalances=$(sed -n 's/.* rebalances=\([0-9]*\).*/\1/p' <<< "$summary")
records=$(sed -n 's/.* records=\([0-9]*\).*/\1/p' <<< "$summary")
read -r user sys < "$WORK/cpu.txt"
awk -v n="$records" -v ms="$elapsed" -v reb="$rebalances" -v u="$user" -v s="$sys" 'BEGIN {
  rate = n * 1000 / ms; limit = 20; ok = (rate >= 0.9 * limit && reb == 0)
  printf "offload throughput:  %.1f records/s (%d records in %d ms), limit 20.0 records/s = %.0f %%, rebalances %d\n", rate, n, ms, 100 * rate / limit, reb
  printf "                     target >= 90 %% of the limit, 0 rebalances  %s\n", ok ? "PASS" : "FAIL"
  printf "                     CPU used by the consumer JVM: %.1f s for %d records = %.0f ms per record of 200 ms busy loop\n", u + s, n, (u + s) * 1000 / n
  exit ok ? 0 : 1 }' || FAILED=1
sed 's/^.*SUMMARY/                     SUMMARY/' <<< "$summary"
exit $FAILED
