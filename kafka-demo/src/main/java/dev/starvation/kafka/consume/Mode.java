package dev.starvation.kafka.consume;

import java.util.Locale;

/** The three consumers of the demo: the bug, the bug tuned away, and the fix. */
public enum Mode {
    /** Processes each batch inside the poll loop: the bug. */
    NAIVE,
    /** The same loop with one record per poll and a longer max.poll.interval.ms. */
    TUNED,
    /** Hands records to a worker pool and keeps polling: the fix. */
    OFFLOAD;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
