package dev.starvation.kafka.share;

import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The work of the share-group tests. It sleeps rather than burns CPU: the acquisition lock runs on the wall clock, and
 * sleeping leaves the cores to the broker, so the scenarios can run side by side on a busy machine. The misbehaving
 * ones pick a record by key and misbehave on its deliveries before a given one; every other record gets the work
 * passed in.
 */
final class ShareJobs {

    /** A delivery count never reached: the record misbehaves on every delivery. */
    static final int NEVER = Integer.MAX_VALUE;

    private ShareJobs() {
    }

    /** {@code length} of work per record. */
    static Processor sleeping(Duration length) {
        return record -> sleep(length);
    }

    /** Like {@link #sleeping}, but the record keyed {@code key} throws until its delivery {@code succeedsAt}. */
    static Processor failingUntil(String key, int succeedsAt, Duration length) {
        return until(key, succeedsAt, record -> {
            throw new IllegalStateException("cannot process " + RunStats.id(record) + " yet (attempt "
                    + ShareLedger.deliveryCount(record) + ")");
        }, sleeping(length));
    }

    /** Like {@link #sleeping}, but the record keyed {@code key} always throws. */
    static Processor alwaysFailing(String key, Duration length) {
        return failingUntil(key, NEVER, length);
    }

    /** Like {@link #sleeping}, but the record keyed {@code key} throws an {@link Error} on its first delivery. */
    static Processor erringOnce(String key, Duration length) {
        return until(key, 2, record -> {
            throw new AssertionError("invariant broken by " + RunStats.id(record));
        }, sleeping(length));
    }

    /**
     * The record keyed {@code key} hangs until interrupted (then gives up, as the processor contract asks) on its
     * deliveries before {@code succeedsAt}; every other record, and its later deliveries, get {@code otherwise}.
     */
    static Processor hangingUntil(String key, int succeedsAt, Processor otherwise) {
        return until(key, succeedsAt, record -> hangUntilInterrupted(), otherwise);
    }

    /**
     * The record keyed {@code key} hangs on its deliveries before {@code succeedsAt}, ignoring interrupts (a deadlock,
     * I/O without a timeout), until {@code release} opens, then returns done; every other record, and its later
     * deliveries, get {@code otherwise}.
     */
    static Processor ignoringInterruptsUntil(String key, int succeedsAt, CountDownLatch release, Processor otherwise) {
        return until(key, succeedsAt, record -> {
            awaitIgnoringInterrupts(release);
            return true;
        }, otherwise);
    }

    private static Processor until(String key, int succeedsAt, Processor misbehaving, Processor otherwise) {
        return record -> key.equals(record.key()) && ShareLedger.deliveryCount(record) < succeedsAt
                ? misbehaving.process(record) : otherwise.process(record);
    }

    private static boolean hangUntilInterrupted() {
        return sleep(Duration.ofDays(365));
    }

    private static void awaitIgnoringInterrupts(CountDownLatch release) {
        boolean interrupted = false;
        while (release.getCount() > 0) {
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean sleep(Duration length) {
        try {
            Thread.sleep(length.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
