package dev.starvation.kafka.streams;

import java.util.Locale;
import org.apache.kafka.streams.StreamsConfig;

/** Kafka Streams' processing.guarantee, as the command takes it. */
public enum Guarantee {
    /** Offsets committed after the output was sent: a record redone after a fence appears twice. */
    AT_LEAST_ONCE(StreamsConfig.AT_LEAST_ONCE),
    /** Output and offsets in one transaction: a fence aborts it, and read_committed readers never see the attempt. */
    EXACTLY_ONCE_V2(StreamsConfig.EXACTLY_ONCE_V2);

    private final String config;

    Guarantee(String config) {
        this.config = config;
    }

    /** The value of processing.guarantee. */
    public String config() {
        return config;
    }

    /** As typed on the command line and printed in the SUMMARY line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
