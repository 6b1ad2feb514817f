package dev.starvation.kafka.consume;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The bug: every record of a batch is processed inside the poll loop, then the batch is committed. When a batch takes
 * longer than max.poll.interval.ms the client leaves the group, the commit fails and the records come back.
 */
public final class NaiveConsumer extends PollLoop {

    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    /** A naive loop with {@code settings} (use {@link Tuning#tune} first for the tuned one). */
    public NaiveConsumer(ConsumerSettings settings, Processor processor) {
        super(settings, processor);
    }

    @Override
    protected ConsumerRebalanceListener rebalanceListener(KafkaConsumer<String, String> consumer) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                // Nothing of ours is in flight between polls: the batch was processed and committed, or it failed.
            }

            @Override
            public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                // The committed offsets say where to start.
            }
        };
    }

    @Override
    protected void handle(KafkaConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, String>> list = records.records(tp);
            for (ConsumerRecord<String, String> record : list) {
                // The bug: the poll thread is busy here for as long as the whole batch takes.
                try (var running = processing.start()) {
                    if (processor.process(record)) {
                        stats.processed(record);
                    }
                }
            }
            next.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
        }
        commit(consumer, next, COMMIT_TIMEOUT);
    }
}
