package dev.starvation.kafka.blast;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * One {@code blast} run: a group of {@code members} consumers per setup on one topic, fed at {@code rate} records/s;
 * member 1 of each group sleeps {@code starve} once, {@code starveAt} after the feed starts.
 *
 * @param topic             the topic every group reads (created with {@code partitions} partitions)
 * @param setups            the groups, run side by side on the same records
 * @param processTime       work per record (a sleep: time spent inside the poll loop, not CPU)
 * @param maxPollIntervalMs Kafka's max.poll.interval.ms: the starved member is thrown out after this long
 * @param duration          how long the producer feeds the topic; then the groups drain it and stop
 * @param drainTimeout      how long the groups may take to commit every record once the feed stopped
 * @param buckets           where to write records processed per member per 250 ms (CSV), or null
 */
public record BlastSettings(String topic, List<Setup> setups, int members, int partitions, int rate,
        Duration processTime, int maxPollRecords, int maxPollIntervalMs, Duration starve, Duration starveAt,
        Duration duration, Duration drainTimeout, Path buckets) {

    /** The width of one bucket of the per-member throughput. */
    public static final Duration BUCKET = Duration.ofMillis(250);
    /** The highest feed rate: the demo is about seconds of stop, not throughput. */
    static final int MAX_RATE = 10_000;

    /** Throws an {@link IllegalArgumentException} naming the first setting that cannot work. */
    public BlastSettings validate() {
        require(!topic.isBlank(), "--topic must not be empty");
        require(!setups.isEmpty(), "--setup needs at least one of eager, cooperative, consumer");
        require(new HashSet<>(setups).size() == setups.size(),
                "--setup names a setup twice: " + setups.stream().map(Setup::label).toList());
        require(members >= 2, "--members must be at least 2 (member 1 starves, the others are watched), got "
                + members);
        require(partitions >= members, "--partitions must be at least --members (" + members
                + "), so that every member has a partition to lose, got " + partitions);
        require(rate >= 1 && rate <= MAX_RATE, "--rate must be between 1 and " + MAX_RATE + " records/s, got " + rate);
        require(!processTime.isNegative(), "--process-ms must not be negative, got " + processTime.toMillis());
        require(maxPollRecords >= 1, "--max-poll-records must be at least 1, got " + maxPollRecords);
        require(maxPollIntervalMs >= 1_000, "--max-poll-interval-ms must be at least 1000, got " + maxPollIntervalMs);
        require(starve.toMillis() > 0, "--starve must be positive, got " + starve.toMillis() + "ms");
        require(!duration.isZero() && !duration.isNegative(), "--duration must be positive, got " + duration);
        require(starveAt.plus(starve).compareTo(duration) < 0, "--starve-at + --starve ("
                + starveAt.plus(starve).toMillis() + " ms) must end before --duration (" + duration.toMillis()
                + " ms): the run must see the starved member come back");
        require(duration.compareTo(Duration.ofMinutes(10)) <= 0, "--duration must be at most 10m, got "
                + duration.toMillis() + " ms");
        require(!drainTimeout.isZero() && !drainTimeout.isNegative(), "--drain-timeout must be positive, got "
                + drainTimeout);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
