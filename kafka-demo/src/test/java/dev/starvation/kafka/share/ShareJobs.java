package dev.starvation.kafka.share;

import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;

/**
 * The work of the share-group tests. It sleeps rather than burns CPU: the acquisition lock runs on the wall clock, and
 * sleeping leaves the cores to the broker, so the scenarios can run side by side on a busy machine.
 */
final class ShareJobs {

    private ShareJobs() {
    }

    /** {@code length} of work per record. */
    static Processor sleeping(Duration length) {
        return record -> sleep(length);
    }

    /** Like {@link #sleeping}, but the record keyed {@code key} throws until its delivery {@code succeedsAt}. */
    static Processor failingUntil(String key, int succeedsAt, Duration length) {
        return record -> {
            if (key.equals(record.key()) && ShareLedger.deliveryCount(record) < succeedsAt) {
                throw new IllegalStateException("cannot process " + RunStats.id(record) + " yet (attempt "
                        + ShareLedger.deliveryCount(record) + ")");
            }
            return sleep(length);
        };
    }

    /** Like {@link #sleeping}, but the record keyed {@code key} always throws. */
    static Processor alwaysFailing(String key, Duration length) {
        return failingUntil(key, Integer.MAX_VALUE, length);
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
