package dev.starvation.kafka.consume;

import dev.starvation.kafka.ops.RunStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/** The counts of several consumers of one group put together: what came out, against what the broker holds. */
final class Ledger {

    private final List<RunStats> runs;
    private final Map<String, Integer> times = new HashMap<>();
    private final Map<String, Long> firstAt = new HashMap<>();

    Ledger(List<RunStats> runs) {
        this.runs = runs;
        for (RunStats run : runs) {
            run.timesProcessed().forEach((id, n) -> times.merge(id, n, Integer::sum));
            run.firstProcessedAtNanos().forEach((id, t) -> firstAt.merge(id, t, Math::min));
            // A dead-lettered record is finished too, from the moment the dead-letter topic has it.
            run.deadLetteredAtNanos().forEach((id, t) -> firstAt.merge(id, t, Math::min));
        }
    }

    static Ledger of(RunStats... runs) {
        return new Ledger(List.of(runs));
    }

    /** Every record id the broker holds, from its end offsets: {@code topic-p@o} for o below the end. */
    static Set<String> recordsIn(Map<TopicPartition, Long> endOffsets) {
        Set<String> ids = new TreeSet<>();
        endOffsets.forEach((tp, end) -> {
            for (long o = 0; o < end; o++) {
                ids.add(tp.topic() + "-" + tp.partition() + "@" + o);
            }
        });
        return ids;
    }

    /** Distinct records processed by any of the consumers. */
    Set<String> records() {
        return new TreeSet<>(times.keySet());
    }

    /** How many times each record was processed, across all consumers, by {@link RunStats#id}. */
    Map<String, Integer> timesProcessed() {
        return Map.copyOf(times);
    }

    /** Processings beyond the first of each record, across all consumers. */
    long duplicates() {
        return times.values().stream().mapToLong(n -> n - 1).sum();
    }

    /** Records given up on revoked or lost partitions, across all consumers. */
    long abandoned() {
        return runs.stream().mapToLong(RunStats::abandonedRecords).sum();
    }

    /** Rebalances seen by all consumers. */
    long rebalances() {
        return runs.stream().mapToLong(RunStats::rebalances).sum();
    }

    /**
     * Commits that covered a record nobody had finished yet: for each accepted commit of next offset N on a partition,
     * every record below N must have been processed (or dead-lettered) before the commit.
     */
    List<String> commitsOfUnfinishedWork(Set<String> deadLettered) {
        List<String> bad = new ArrayList<>();
        for (RunStats run : runs) {
            for (RunStats.Commit c : run.commits()) {
                for (long o = 0; o < c.nextOffset(); o++) {
                    String id = c.partition().topic() + "-" + c.partition().partition() + "@" + o;
                    Long done = firstAt.get(id);
                    if (!deadLettered.contains(id) && (done == null || done > c.atNanos())) {
                        bad.add(c.partition() + "=" + c.nextOffset() + " before " + id + " was done");
                    }
                }
            }
        }
        return bad;
    }
}
