#!/usr/bin/env bash
# kafka-demo benchmark, one run: embedded broker start time, time from the first oversized batch to the rebalance
# (naive consumer, classic protocol), offload throughput with 4 partitions and 4 workers against its limit, and
# key-ordered concurrency: naive, offload by partition, offload by key and Confluent's parallel-consumer side by side.
set -euo pipefail
cd "$(dirname "$0")/.."

JAR=kafka-demo/target/kafka-demo.jar
# The benchmark module (profile "bench") is never part of the demos; building it builds kafka-demo.jar too.
BENCH_JAR=bench/kafka-bench/target/kafka-bench.jar
# parallel-consumer 0.5.3.3 does not load on kafka-clients 4.4 (see bench/kafka-bench/pom.xml): its arm runs on these.
PC_CLIENTS=bench/kafka-bench/target/pc-clients/kafka-clients.jar
{ [ -f "$JAR" ] && [ -f "$BENCH_JAR" ] && [ -f "$PC_CLIENTS" ]; } || mvn -B -q -DskipTests -Pbench -pl bench/kafka-bench -am package

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

# 1. Broker start: from launching the JVM to "BROKER ready", and the broker's own start inside the JVM. Three starts,
# judged on the median: one start is noisy here (the same jar took 2.3 to 3.5 s within one hour on this machine).
# The third broker stays up for the rest of the run.
start_broker() {
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
}
starts=()
for i in 1 2 3; do
  [ "$i" = 1 ] || { kill "$BROKER_PID"; wait "$BROKER_PID" 2>/dev/null || true; }
  start_broker
  starts+=("$inproc_ms")
done
median_ms=$(printf '%s\n' "${starts[@]}" | sort -n | sed -n 2p)
ok=$(( median_ms <= 3000 ))
[ "$ok" = 1 ] || FAILED=1
echo "broker start:        median ${median_ms} ms in the JVM of 3 starts (${starts[*]} ms; the last ${wall_ms} ms with JVM start)"
echo "                     target <= 3000 ms  $(verdict $ok)"
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

# 4. Key-ordered concurrency. Each arm in a JVM of its own (its CPU is its own) on this broker: a new topic, the
# consumer started and assigned, then 2,000 records with keys drawn from a Zipf distribution over 1,000 keys (key-hash
# partitioning), 20 ms of sleep per record, 16 workers (the naive loop has one thread), on 1 partition and on 4.
echo
echo "key-ordered concurrency: 2000 records, Zipf(1.0) keys over 1000, 20 ms sleep each, 16 workers, classic protocol"
ARMS="naive offload-partition offload-key pc-key"
: > "$WORK/bench.txt"
for partitions in 1 4; do
  for arm in $ARMS; do
    cp="$JAR:$BENCH_JAR"
    if [ "$arm" = pc-key ]; then cp="$PC_CLIENTS:$cp"; fi
    if ! java -cp "$cp" dev.starvation.bench.kafka.KafkaBench --bootstrap-servers "$B" --arm "$arm" \
        --partitions "$partitions" > "$WORK/arm.log" 2>&1; then
      FAILED=1
      echo "arm $arm on $partitions partition(s) did not finish every record and commit:"; tail -5 "$WORK/arm.log"
    fi
    grep "^BENCH " "$WORK/arm.log" >> "$WORK/bench.txt" || true
  done
done
awk '
  function field(line, key,   n, i, kv) {
    n = split(line, kv, " ")
    for (i = 1; i <= n; i++) if (index(kv[i], key "=") == 1) return substr(kv[i], length(key) + 2)
    return ""
  }
  {
    a = field($0, "arm"); p = field($0, "partitions")
    rate[a, p] = field($0, "records_per_s"); p99[a, p] = field($0, "p99_ms")
    printf "%-20s %10s %10s %8s %8s %11s %7s %13s %8s\n", a, p, rate[a, p], field($0, "p50_ms"), p99[a, p],
      field($0, "duplicates"), field($0, "cpu_s"), field($0, "poll_cpu_ms"), field($0, "clients")
  }
  BEGIN {
    printf "%-20s %10s %10s %8s %8s %11s %7s %13s %8s\n", "arm", "partitions", "records/s", "p50 ms", "p99 ms",
      "duplicates", "CPU s", "poll CPU ms", "clients"
  }
  END {
    ok = 1
    for (p = 1; p <= 4; p += 3) {
      if (rate["offload-key", p] == "" || rate["pc-key", p] == "") { ok = 0; continue }
      r = rate["offload-key", p] / rate["pc-key", p]
      good = (r >= 1.0 && p99["offload-key", p] + 0 <= p99["pc-key", p] + 0)
      printf "offload key vs parallel-consumer, %d partition(s): %.2fx records/s, p99 %d vs %d ms    target >= 1.0x, p99 no worse  %s\n",
        p, r, p99["offload-key", p], p99["pc-key", p], (good ? "PASS" : "FAIL")
      if (!good) ok = 0
    }
    if (rate["offload-partition", 1] > 0) {
      r = rate["offload-key", 1] / rate["offload-partition", 1]
      printf "offload key vs offload partition, 1 partition: %.1fx records/s    target >= 5x  %s\n", r, (r >= 5 ? "PASS" : "FAIL")
      if (r < 5) ok = 0
    } else ok = 0
    exit ok ? 0 : 1
  }' "$WORK/bench.txt" || FAILED=1
exit $FAILED
