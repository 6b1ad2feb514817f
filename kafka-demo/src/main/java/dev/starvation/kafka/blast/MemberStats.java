package dev.starvation.kafka.blast;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * What one member saw: records processed and how long they had waited, its longest stop, the partitions taken from it
 * or given to it after the starvation began, its failed commits by exception. Written by the member's own thread (its
 * poll loop and its rebalance callbacks), read once the member has stopped.
 */
final class MemberStats {

    /** A record that waited longer than this since it was sent counts as delayed. */
    static final long DELAYED_MS = 1_000;

    private final String name;
    private final boolean starved;
    private final Histogram latencyMs = new Histogram(3);
    private final Map<String, Integer> failedCommits = new TreeMap<>();
    private final List<Integer> buckets = new ArrayList<>();
    private long processed;
    private long delayed;
    private long lastProcessedNanos = -1;
    private long maxPauseNanos;
    private long revocations;
    private long handedBack;
    private long reassigned;

    MemberStats(String name, boolean starved) {
        this.name = name;
        this.starved = starved;
    }

    String name() {
        return name;
    }

    boolean starved() {
        return starved;
    }

    /**
     * Counts one record processed at {@code nowNanos} that waited {@code latencyMillis} since it was sent, in the
     * bucket of its time since the feed started (none before: the producer's warm-up record); the gap
     * since the previous one counts as a stop for the part of it inside {@code [windowFrom, windowTo]} (the
     * starvation's aftermath; -1 before it began).
     */
    void processed(long nowNanos, long latencyMillis, long feedStartNanos, long windowFrom, long windowTo) {
        processed++;
        latencyMs.recordValue(Math.max(0, latencyMillis));
        if (latencyMillis > DELAYED_MS) {
            delayed++;
        }
        pause(nowNanos, windowFrom, windowTo);
        lastProcessedNanos = nowNanos;
        if (feedStartNanos < 0) {
            return;
        }
        int bucket = (int) Math.max(0, (nowNanos - feedStartNanos) / BlastSettings.BUCKET.toNanos());
        while (buckets.size() <= bucket) {
            buckets.add(0);
        }
        buckets.set(bucket, buckets.get(bucket) + 1);
    }

    /** Closes the stop in progress at the end of the window (a member that processed nothing since). */
    void endOfWindow(long windowFrom, long windowTo) {
        pause(windowTo, windowFrom, windowTo);
    }

    private void pause(long nowNanos, long windowFrom, long windowTo) {
        if (lastProcessedNanos < 0 || windowFrom < 0) {
            return;
        }
        long gap = Math.min(nowNanos, windowTo) - Math.max(lastProcessedNanos, windowFrom);
        maxPauseNanos = Math.max(maxPauseNanos, gap);
    }

    /** A partition it held before the starvation was taken from it. */
    void revoked() {
        revocations++;
    }

    /** A partition it was given after the starvation began was taken from it again. */
    void handedBack() {
        handedBack++;
    }

    /** It was given a partition it did not hold before the starvation. */
    void reassigned() {
        reassigned++;
    }

    /** A commit failed with {@code exception}; returns how many of that class so far. */
    int commitFailed(Throwable exception) {
        return failedCommits.merge(exception.getClass().getSimpleName(), 1, Integer::sum);
    }

    long processedRecords() {
        return processed;
    }

    long delayedRecords() {
        return delayed;
    }

    long maxPauseMillis() {
        return maxPauseNanos / 1_000_000;
    }

    long revocations() {
        return revocations;
    }

    long handedBackPartitions() {
        return handedBack;
    }

    long reassignedPartitions() {
        return reassigned;
    }

    long failedCommits() {
        return failedCommits.values().stream().mapToLong(Integer::longValue).sum();
    }

    Map<String, Integer> failedCommitsByException() {
        return Map.copyOf(failedCommits);
    }

    /** The failed commits as {@code Class:n,Class:n}, or {@code none}: one token for a key=value line. */
    String failedCommitsText() {
        return failedCommits.isEmpty() ? "none" : failedCommits.entrySet().stream()
                .map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(","));
    }

    Histogram latency() {
        return latencyMs;
    }

    /** Records processed per {@link BlastSettings#BUCKET} since the feed started. */
    List<Integer> buckets() {
        return List.copyOf(buckets);
    }
}
