package dev.starvation.kafka.consume;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tuning of the naive loop: one record per poll, and a max.poll.interval.ms long enough for it with room to spare,
 * so that the same code stays in its group. It costs slower detection of a stuck consumer and one record per poll.
 */
public final class Tuning {

    private static final Logger LOG = LoggerFactory.getLogger(Tuning.class);
    /**
     * Slack on top of the work itself, for the poll, the commit and a busy machine. The watchdog's margin is this times
     * the stall share (1 s at 50 %): 500 ms was seen to be too little with another process keeping a core busy.
     */
    static final int SLACK_MS = 2_000;

    private Tuning() {
    }

    /**
     * The max.poll.interval.ms that fits one record of {@code perRecord} work: the work must stay under the watchdog's
     * share of the interval, not only under the interval itself, plus {@link #SLACK_MS}; never below {@code atLeast}.
     * The Streams command's tuned mode uses the same rule.
     */
    public static int intervalFor(java.time.Duration perRecord, double stallShare, int atLeast) {
        long needed = (long) Math.ceil(perRecord.toMillis() / stallShare) + SLACK_MS;
        return (int) Math.min(Integer.MAX_VALUE, Math.max(atLeast, needed));
    }

    /** The settings the tuned consumer runs with, logged as one {@code TUNED} line with their cost. */
    public static ConsumerSettings tune(ConsumerSettings naive) {
        int records = 1;
        int interval = intervalFor(naive.processTime(), naive.stallShare(), naive.maxPollIntervalMs());
        LOG.info("TUNED max.poll.records={} max.poll.interval.ms={} because process-ms={}; cost: a stuck consumer is "
                        + "noticed after {} ms instead of {} ms, and each poll brings {} record instead of up to {}",
                records, interval, naive.processTime().toMillis(), interval, naive.maxPollIntervalMs(), records,
                naive.maxPollRecords());
        return naive.withPolling(records, interval);
    }
}
