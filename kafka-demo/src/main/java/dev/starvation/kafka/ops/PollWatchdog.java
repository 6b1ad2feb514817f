package dev.starvation.kafka.ops;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.JobWatch;
import dev.starvation.common.StallWatchdog;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Watches the thread that calls {@code poll()}, with the project's {@link StallWatchdog}: logs {@code STALL} with that
 * thread's stack when polls are further apart than a share of max.poll.interval.ms, before the client gives up, and
 * optionally writes every gap between polls to a CSV file. Create it on the poll thread.
 */
public final class PollWatchdog implements AutoCloseable {

    private final StallWatchdog watchdog;
    private final Heartbeat heartbeat;
    private final BufferedWriter csv;
    private final long startNanos = System.nanoTime();
    private volatile long lastBeatNanos = startNanos;

    /** Starts watching the calling thread; {@code pollGaps} may be null. */
    public PollWatchdog(Duration stallLimit, int maxPollIntervalMs, Path pollGaps) {
        this.watchdog = new StallWatchdog(Duration.ofMillis(Math.max(10, Math.min(100, stallLimit.toMillis() / 4))));
        this.heartbeat = watchdog.watchThread(Thread.currentThread(), stallLimit, (thread, silentMillis) ->
                "STALL poll thread silent for " + silentMillis + " ms (max.poll.interval.ms "
                        + maxPollIntervalMs + ")");
        this.csv = pollGaps == null ? null : open(pollGaps);
    }

    private static BufferedWriter open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            BufferedWriter writer = Files.newBufferedWriter(file);
            writer.write("elapsed_ms,gap_ms\n");
            return writer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write poll gaps to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Called on the poll thread each time {@code poll()} returns. */
    public void beat() {
        heartbeat.beat();
        long now = System.nanoTime();
        if (csv != null) {
            try {
                csv.write((now - startNanos) / 1_000_000 + "," + (now - lastBeatNanos) / 1_000_000 + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write poll gaps: " + e.getMessage(), e);
            }
        }
        lastBeatNanos = now;
    }

    /** How long since the last poll returned (or since the watchdog started); any thread may ask. */
    public long silentMillis() {
        return (System.nanoTime() - lastBeatNanos) / 1_000_000;
    }

    /**
     * Watches jobs on worker threads on the same watchdog thread: {@code STALL} past {@code stallShare} of
     * {@code deadline}, an interrupt and {@code overdue} at the deadline.
     */
    public JobWatch watchJobs(Duration deadline, double stallShare, JobWatch.Overdue overdue) {
        return new JobWatch(watchdog, deadline, stallShare, overdue);
    }

    /** The longest gap between polls so far. */
    public long maxPollGapMillis() {
        return heartbeat.maxGapMillis();
    }

    /** How many times the poll thread stayed silent past the limit. */
    public long stalls() {
        return heartbeat.stalls();
    }

    /** Stops watching: a closing consumer stops polling on purpose. */
    @Override
    public void close() {
        heartbeat.close();
        watchdog.close();
        if (csv != null) {
            try {
                csv.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write poll gaps: " + e.getMessage(), e);
            }
        }
    }
}
