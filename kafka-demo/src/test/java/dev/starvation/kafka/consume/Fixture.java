package dev.starvation.kafka.consume;

import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.produce.JobProducer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.apache.kafka.clients.consumer.GroupProtocol;

/** What every test on a broker needs: unique names, a topic filled with jobs, and second-scale consumer settings. */
public record Fixture(String bootstrapServers) {

    private static final AtomicInteger NAMES = new AtomicInteger();

    /** A name no other test uses, for topics and groups. */
    public static String unique(String base) {
        return base + "-" + NAMES.incrementAndGet() + "-" + Long.toString(System.nanoTime() % 1_000_000, 36);
    }

    /** A new topic with {@code records} job records spread over {@code partitions}; returns its name. */
    String topicWith(int partitions, int records) {
        return topicWith(partitions, records, i -> "job-" + i);
    }

    /** Like {@link #topicWith(int, int)} with record {@code i}'s value chosen by {@code values}. */
    String topicWith(int partitions, int records, IntFunction<String> values) {
        String topic = unique("jobs");
        Topics.ensure(bootstrapServers, topic, partitions);
        new JobProducer(bootstrapServers).send(topic, 0, records, values);
        return topic;
    }

    /** Settings for {@code mode}: {@code work} per record on {@code workers} workers, max.poll.interval.ms as given. */
    ConsumerSettings settings(String topic, String group, Mode mode, GroupProtocol protocol, int intervalMs,
            Duration work, int workers, Duration limit) {
        return ConsumerSettings.defaults(bootstrapServers, topic, group, mode).withProtocol(protocol)
                .withPolling(ConsumerSettings.KAFKA_MAX_POLL_RECORDS, intervalMs).withWork(work, workers, 0, limit);
    }
}
