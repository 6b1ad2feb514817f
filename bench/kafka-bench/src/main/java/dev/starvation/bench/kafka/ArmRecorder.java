package dev.starvation.bench.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What one arm did with the records, whichever consumer runs it: the work itself (a sleep, so that 2 cores do not cap
 * 16 workers), end-to-end latency from the record's timestamp to done (HdrHistogram's lock-free {@link Recorder}),
 * and how often each record was processed.
 */
final class ArmRecorder {

    private final Duration work;
    private final Recorder latencyMs = new Recorder(3);
    private final Histogram total = new Histogram(3);
    private final Map<String, Integer> times = new ConcurrentHashMap<>();
    private final AtomicLong processings = new AtomicLong();
    private final AtomicLong lastDoneMs = new AtomicLong();

    ArmRecorder(Duration work) {
        this.work = work;
    }

    /** Does the work for {@code record}; false if interrupted (the record is not done). */
    boolean process(ConsumerRecord<String, String> record) {
        try {
            Thread.sleep(work.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        long now = System.currentTimeMillis();
        latencyMs.recordValue(Math.max(0, now - record.timestamp()));
        times.merge(record.topic() + "-" + record.partition() + "@" + record.offset(), 1, Integer::sum);
        processings.incrementAndGet();
        lastDoneMs.accumulateAndGet(now, Math::max);
        return true;
    }

    /** Distinct records done. */
    int distinct() {
        return times.size();
    }

    /** Processings beyond the first of each record. */
    long duplicates() {
        return processings.get() - times.size();
    }

    /** Wall-clock time of the last record done, in ms. */
    long lastDoneMs() {
        return lastDoneMs.get();
    }

    /** Every latency recorded so far. */
    synchronized Histogram latencies() {
        total.add(latencyMs.getIntervalHistogram());
        return total;
    }
}
