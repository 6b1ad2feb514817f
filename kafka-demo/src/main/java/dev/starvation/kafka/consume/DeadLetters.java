package dev.starvation.kafka.consume;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Sends records that cannot be processed to {@code <topic>.DLT}, with the reason in a header, and waits for the ack. */
final class DeadLetters implements AutoCloseable {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private KafkaProducer<String, String> producer;

    DeadLetters(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** The dead-letter topic of {@code topic}. */
    static String topicFor(String topic) {
        return topic + ".DLT";
    }

    /** Sends {@code record} to its dead-letter topic; returns once the broker has it. */
    void send(ConsumerRecord<String, String> record, Exception reason)
            throws ExecutionException, InterruptedException, TimeoutException {
        ProducerRecord<String, String> dead = new ProducerRecord<>(topicFor(record.topic()), record.key(), record.value());
        dead.headers().add("dlt.reason", String.valueOf(reason).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        dead.headers().add("dlt.source", RunStats.id(record).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        producer().send(dead).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
