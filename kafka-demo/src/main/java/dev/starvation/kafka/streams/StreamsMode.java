package dev.starvation.kafka.streams;

import java.util.Locale;

/** What the Streams application does with the slow step: the bug, the common advice, and the fix. */
public enum StreamsMode {
    /** The slow step inside a processor, on the StreamThread: the bug. */
    NAIVE,
    /** The same processor, with max.poll.interval.ms sized to one record and one record per poll. */
    TUNED,
    /** The topology only routes; the slow step runs in the offloading consumer, outside the StreamThread: the fix. */
    SPLIT;

    /** As typed on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
