package dev.starvation.kafka.consume;

import dev.starvation.kafka.broker.BrokerCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the broker itself says, for assertions that must not trust the consumer's own counters. */
public final class KafkaProbe implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final Admin admin;

    public KafkaProbe(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, TIMEOUT));
    }

    /** The group's committed next offsets, per partition. */
    Map<TopicPartition, Long> committed(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group,
                new ListConsumerGroupOffsetsOptions()).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, Long> result = new HashMap<>();
        offsets.forEach((tp, om) -> {
            if (om != null) {
                result.put(tp, om.offset());
            }
        });
        return result;
    }

    /** The group's commits as the broker holds them: offset, leader epoch and metadata, per partition. */
    Map<TopicPartition, OffsetAndMetadata> commits(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> result = new HashMap<>();
        admin.listConsumerGroupOffsets(group, new ListConsumerGroupOffsetsOptions()).partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS).forEach((tp, om) -> {
                    if (om != null) {
                        result.put(tp, om);
                    }
                });
        return result;
    }

    /** Commits for an empty group from outside it, as an operator's tool or MirrorMaker 2's offset sync does. */
    void commitAsATool(String group, Map<TopicPartition, OffsetAndMetadata> offsets) throws Exception {
        admin.alterConsumerGroupOffsets(group, offsets).all().get(10, TimeUnit.SECONDS);
    }

    /** The end offset of every partition of {@code topic}: how many records each holds. */
    public Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                .get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> result = new HashMap<>();
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }

    /** Members of the group as the coordinator sees them now. */
    int members(String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group).members().size();
    }

    /** Every record of {@code topic}, read from the start by a consumer outside any group. */
    public List<ConsumerRecord<String, String>> readAll(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            Collection<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
