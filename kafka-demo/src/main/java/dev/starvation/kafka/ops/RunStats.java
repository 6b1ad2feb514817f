package dev.starvation.kafka.ops;

import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.consume.Mode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What one consumer run did, counted as it happens and printed once as the {@code SUMMARY} line. */
public final class RunStats {

    private static final Logger LOG = LoggerFactory.getLogger(RunStats.class);

    /** A commit that the broker accepted: the next offset to read on a partition, and when. */
    public record Commit(TopicPartition partition, long nextOffset, long atNanos) {
    }

    private final Map<String, Integer> timesProcessed = new ConcurrentHashMap<>();
    private final Map<String, Long> firstProcessedAtNanos = new ConcurrentHashMap<>();
    private final Map<String, Long> deadLetteredAtNanos = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Long> firstReceived = new ConcurrentHashMap<>();
    private final List<Commit> commits = new CopyOnWriteArrayList<>();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong rebalances = new AtomicLong();
    private final AtomicLong commitFailures = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();

    /** The name of a record for counting: {@code topic-partition@offset}. */
    public static String id(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    /** Counts a finished processing of {@code record} and logs it as {@code PROCESS} or {@code DUPLICATE}. */
    public void processed(ConsumerRecord<String, String> record) {
        String id = id(record);
        firstProcessedAtNanos.putIfAbsent(id, System.nanoTime());
        int times = timesProcessed.merge(id, 1, Integer::sum);
        processed.incrementAndGet();
        if (times == 1) {
            LOG.info("PROCESS {} {}", record.key(), id);
        } else {
            LOG.info("DUPLICATE {} {} ({} time)", record.key(), id, ordinal(times));
        }
    }

    private static String ordinal(int n) {
        return switch (n) {
            case 2 -> "2nd";
            case 3 -> "3rd";
            default -> n + "th";
        };
    }

    /** Notes the first offset this run received from a partition: where its own commits start counting. */
    public void received(TopicPartition partition, long offset) {
        firstReceived.merge(partition, offset, Math::min);
    }

    /** Counts offsets the broker accepted. */
    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        long now = System.nanoTime();
        offsets.forEach((tp, om) -> {
            committed.merge(tp, om.offset(), Math::max);
            commits.add(new Commit(tp, om.offset(), now));
        });
    }

    /** Counts a rebalance that took partitions from this member. */
    public void rebalanced() {
        rebalances.incrementAndGet();
    }

    /** Counts a commit the broker refused or that timed out. */
    public void commitFailed() {
        commitFailures.incrementAndGet();
    }

    /** Counts a record whose processing was given up (revoked partition, or shutdown past its grace). */
    public void abandoned() {
        abandoned.incrementAndGet();
    }

    /** Counts a record that could not be processed and is now on the dead-letter topic. */
    public void deadLettered(ConsumerRecord<String, String> record) {
        deadLetteredAtNanos.putIfAbsent(id(record), System.nanoTime());
        deadLettered.incrementAndGet();
    }

    /** Counts a record not run because the partition's previous owner had finished it (commit metadata). */
    public void skipped() {
        skipped.incrementAndGet();
    }

    /** Records skipped as finished before a hand-over. */
    public long skippedRecords() {
        return skipped.get();
    }

    /** When each dead-lettered record was acknowledged by the dead-letter topic ({@link System#nanoTime()}), by id. */
    public Map<String, Long> deadLetteredAtNanos() {
        return Map.copyOf(deadLetteredAtNanos);
    }

    /** Counts a failed attempt that will be tried again after a backoff. */
    public void retried() {
        retried.incrementAndGet();
    }

    /** Attempts that failed and were tried again (a record failing twice then succeeding counts 2). */
    public long retries() {
        return retried.get();
    }

    /** Records sent to the dead-letter topic. */
    public long deadLetteredRecords() {
        return deadLettered.get();
    }

    /** Distinct records processed. */
    public long records() {
        return timesProcessed.size();
    }

    /** Processings, duplicates included. */
    public long processed() {
        return processed.get();
    }

    /** Processings beyond the first of each record. */
    public long duplicates() {
        return processed() - records();
    }

    /** Rebalances that took partitions from this member after it first had some. */
    public long rebalances() {
        return rebalances.get();
    }

    /** Commits that failed. */
    public long commitFailures() {
        return commitFailures.get();
    }

    /** Records given up before they finished. */
    public long abandonedRecords() {
        return abandoned.get();
    }

    /** Offsets this run committed: per partition, from the first offset it received up to its highest commit. */
    public long committedOffsets() {
        return committed.entrySet().stream()
                .mapToLong(e -> Math.max(0, e.getValue() - firstReceived.getOrDefault(e.getKey(), 0L))).sum();
    }

    /** Every accepted commit, in order. */
    public List<Commit> commits() {
        return List.copyOf(commits);
    }

    /** How many times each record was processed, by {@link #id}. */
    public Map<String, Integer> timesProcessed() {
        return Map.copyOf(timesProcessed);
    }

    /** When each record was first processed ({@link System#nanoTime()}), by {@link #id}. */
    public Map<String, Long> firstProcessedAtNanos() {
        return Map.copyOf(firstProcessedAtNanos);
    }

    /** The {@code SUMMARY} line of the run; {@code pollCpuMillis} is the poll thread's CPU time (-1 if unknown). */
    public SummaryLine summary(Mode mode, String protocol, long maxPollGapMillis, long pollCpuMillis) {
        return new SummaryLine().add("mode", mode).add("protocol", protocol).add("records", records())
                .add("processed", processed()).add("duplicates", duplicates()).add("rebalances", rebalances())
                .add("commit_failures", commitFailures()).add("committed", committedOffsets())
                .add("retried", retries()).add("dead_lettered", deadLetteredRecords())
                .add("abandoned", abandonedRecords()).add("max_poll_gap_ms", maxPollGapMillis)
                .add("poll_cpu_ms", pollCpuMillis).add("skipped", skippedRecords());
    }
}
