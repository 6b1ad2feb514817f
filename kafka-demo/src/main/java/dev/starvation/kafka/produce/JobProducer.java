package dev.starvation.kafka.produce;

import dev.starvation.kafka.broker.Waiting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends job records keyed {@code job-<i>}; the value is opaque text, the work per record is the consumer's choice. */
public final class JobProducer {

    private static final Logger LOG = LoggerFactory.getLogger(JobProducer.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final String bootstrapServers;

    /** A producer for the broker at {@code bootstrapServers}. */
    public JobProducer(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The demo's producer settings: string keys and values, acknowledged by every replica, bounded blocking. */
    public static Properties properties(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(SEND_TIMEOUT.toMillis()));
        return p;
    }

    /** Sends {@code count} records keyed {@code job-<first>} onwards and waits until the broker has them all. */
    public void send(String topic, int first, int count) {
        send(topic, first, count, i -> "job-" + i);
    }

    /** Like {@link #send(String, int, int)} with the value of record {@code i} chosen by {@code value}. */
    public void send(String topic, int first, int count, IntFunction<String> value) {
        send(topic, first, count, i -> "job-" + i, value);
    }

    /** Like {@link #send(String, int, int)} with record {@code i}'s key and value chosen by the functions. */
    public void send(String topic, int first, int count, IntFunction<String> key, IntFunction<String> value) {
        if (count < 0) {
            throw new IllegalArgumentException("--count must not be negative, got " + count);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties(bootstrapServers))) {
            // Round robin rather than by key hash: the partitions get equal shares, so the work is spread evenly.
            int partitions = producer.partitionsFor(topic).size();
            List<Future<RecordMetadata>> sent = new ArrayList<>(count);
            for (int i = first; i < first + count; i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, key.apply(i), value.apply(i))));
            }
            sent.forEach(f -> Waiting.get(f, SEND_TIMEOUT, "cannot send to " + topic));
        }
        LOG.info("PRODUCED {} records to {} (keys {}..{})", count, topic, key.apply(first),
                key.apply(first + count - 1));
    }
}
