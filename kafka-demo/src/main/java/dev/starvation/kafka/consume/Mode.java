package dev.starvation.kafka.consume;

import java.util.Locale;

/** The consumers of the demo: the bug, the bug tuned away, and the fix; then the same under a share group. */
public enum Mode {
    /** Processes each batch inside the poll loop: the bug. */
    NAIVE,
    /** The same loop with one record per poll and a longer max.poll.interval.ms. */
    TUNED,
    /** Hands records to a worker pool and keeps polling: the fix. */
    OFFLOAD,
    /** A share group (KIP-932) whose members work inside the poll loop, with implicit acknowledgement: the bug. */
    SHARE,
    /** A share group whose members work on workers and renew each record's acquisition lock until done: the fix. */
    SHARE_RENEW;

    /** Whether this mode runs a share group (dev.starvation.kafka.share) rather than a consumer group. */
    public boolean isShareGroup() {
        return this == SHARE || this == SHARE_RENEW;
    }

    /** As typed on the command line: {@code naive}, {@code share-renew}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
