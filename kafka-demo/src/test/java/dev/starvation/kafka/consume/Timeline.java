package dev.starvation.kafka.consume;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A processor that sleeps (so the 2 cores do not decide how many run at once) and notes when each record started and
 * finished, for assertions on what ran at the same time and in which order.
 */
final class Timeline {

    /** One finished run of one record. */
    record Run(String id, String key, int partition, long offset, long startNanos, long endNanos) {
        boolean overlaps(Run other) {
            return startNanos < other.endNanos && other.startNanos < endNanos;
        }
    }

    private final Queue<Run> runs = new ConcurrentLinkedQueue<>();

    /** Sleeps {@code normal} per record, {@code slow} for those {@code isSlow} picks; false if interrupted. */
    Processor processor(Duration normal, Duration slow, Predicate<ConsumerRecord<String, String>> isSlow) {
        return record -> {
            long start = System.nanoTime();
            try {
                Thread.sleep((isSlow.test(record) ? slow : normal).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            runs.add(new Run(RunStats.id(record), record.key(), record.partition(), record.offset(), start,
                    System.nanoTime()));
            return true;
        };
    }

    /** Every finished run, by offset within partition. */
    List<Run> runs() {
        List<Run> all = new ArrayList<>(runs);
        all.sort(Comparator.comparingInt(Run::partition).thenComparingLong(Run::offset));
        return all;
    }

    /** Finished runs grouped by what must be ordered: {@code lane} of each run, each group by offset. */
    Map<Object, List<Run>> byLane(java.util.function.Function<Run, Object> lane) {
        return runs().stream().collect(Collectors.groupingBy(lane, Collectors.toList()));
    }

    /** The most runs that were going on at one moment. */
    int maxConcurrent() {
        List<Run> all = runs();
        int max = 0;
        for (Run a : all) {
            int at = 0;
            for (Run b : all) {
                if (b.startNanos <= a.startNanos && a.startNanos < b.endNanos) {
                    at++;
                }
            }
            max = Math.max(max, at);
        }
        return max;
    }

    /**
     * Within each lane: pairs of runs that overlapped in time, or finished out of offset order ("empty" is the claim
     * that the lane ran one record at a time, in offset order).
     */
    static List<String> orderViolations(Map<Object, List<Run>> lanes) {
        List<String> bad = new ArrayList<>();
        lanes.forEach((lane, runs) -> {
            for (int i = 1; i < runs.size(); i++) {
                Run before = runs.get(i - 1);
                Run after = runs.get(i);
                if (after.startNanos < before.endNanos) {
                    bad.add(lane + ": " + after.id + " started before " + before.id + " finished");
                }
                if (after.endNanos < before.endNanos) {
                    bad.add(lane + ": " + after.id + " finished before " + before.id);
                }
            }
        });
        return bad;
    }
}
