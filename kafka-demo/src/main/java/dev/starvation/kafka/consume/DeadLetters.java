package dev.starvation.kafka.consume;

import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.broker.Waiting;
import dev.starvation.kafka.ops.RunStats;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that failed every attempt to {@code <topic>.DLT}, as Spring Kafka's DeadLetterPublishingRecoverer
 * does: the same partition number, the original key, value and headers, plus headers under Spring's names saying where
 * the record came from and why it failed, so tools written for Spring's dead letters read these too. Sends run on a
 * thread of their own, each bounded, a few times with a backoff, so neither the poll thread nor a worker waits on them.
 */
final class DeadLetters implements AutoCloseable {

    /** Header names and encodings of Spring Kafka's {@code KafkaHeaders}: strings in UTF-8, numbers big-endian. */
    static final String ORIGINAL_TOPIC = "kafka_dlt-original-topic";
    static final String ORIGINAL_PARTITION = "kafka_dlt-original-partition";
    static final String ORIGINAL_OFFSET = "kafka_dlt-original-offset";
    static final String ORIGINAL_TIMESTAMP = "kafka_dlt-original-timestamp";
    static final String ORIGINAL_TIMESTAMP_TYPE = "kafka_dlt-original-timestamp-type";
    static final String ORIGINAL_CONSUMER_GROUP = "kafka_dlt-original-consumer-group";
    static final String EXCEPTION_FQCN = "kafka_dlt-exception-fqcn";
    static final String EXCEPTION_CAUSE_FQCN = "kafka_dlt-exception-cause-fqcn";
    static final String EXCEPTION_MESSAGE = "kafka_dlt-exception-message";
    static final String EXCEPTION_STACKTRACE = "kafka_dlt-exception-stacktrace";
    /** Spring's delivery-attempt header, here the number of attempts made before dead-lettering (4-byte int). */
    static final String DELIVERY_ATTEMPT = "kafka_deliveryAttempt";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final String group;
    private final FailurePolicy policy;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dead-letters");
        t.setDaemon(true);
        return t;
    });
    private KafkaProducer<String, String> producer;

    DeadLetters(String bootstrapServers, String group, FailurePolicy policy) {
        this.bootstrapServers = bootstrapServers;
        this.group = group;
        this.policy = policy;
    }

    /** The dead-letter topic of {@code topic}. */
    static String topicFor(String topic) {
        return topic + ".DLT";
    }

    /**
     * Makes sure {@code <topic>.DLT} exists with at least as many partitions as {@code topic} (a dead letter keeps its
     * partition number), creating it with the broker's default replication factor. A consumer must not start without
     * it: with topic auto-creation off, a send to a missing topic waits for metadata that never comes.
     *
     * @throws IllegalStateException saying what is missing or why the topic cannot be created
     */
    void ensureTopic(String topic) {
        String dlt = topicFor(topic);
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, ADMIN_TIMEOUT))) {
            Set<String> names = Waiting.get(admin.listTopics().names(), ADMIN_TIMEOUT,
                    "cannot list topics to create the dead-letter topic " + dlt);
            if (!names.contains(topic)) {
                throw new IllegalStateException("cannot create the dead-letter topic " + dlt + ": topic " + topic
                        + " does not exist on " + bootstrapServers + ", so its partition count is unknown (create it "
                        + "first, e.g. kafka-demo produce --topic " + topic + " --count 0 --partitions N)");
            }
            int partitions = partitions(admin, topic);
            if (names.contains(dlt)) {
                int existing = partitions(admin, dlt);
                if (existing < partitions) {
                    throw new IllegalStateException("dead-letter topic " + dlt + " has " + existing
                            + " partition(s), fewer than the " + partitions + " of " + topic + ": a dead letter keeps "
                            + "its partition number; add partitions to " + dlt + " or delete it");
                }
                LOG.info("DLT {} exists with {} partition(s)", dlt, existing);
                return;
            }
            create(admin, dlt, partitions);
        }
    }

    private static int partitions(Admin admin, String topic) {
        return Waiting.get(admin.describeTopics(List.of(topic)).allTopicNames(), ADMIN_TIMEOUT,
                "cannot describe topic " + topic).get(topic).partitions().size();
    }

    private static void create(Admin admin, String dlt, int partitions) {
        try {
            Waiting.get(admin.createTopics(List.of(new NewTopic(dlt, Optional.of(partitions), Optional.empty())))
                    .all(), ADMIN_TIMEOUT, "cannot create the dead-letter topic " + dlt + " with " + partitions
                    + " partition(s)");
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
            // Another member created it at the same moment: it exists, which is all we need.
        }
        Topics.awaitLeaders(admin, dlt, partitions);
        LOG.info("DLT {} created with {} partition(s)", dlt, partitions);
    }

    /**
     * Sends {@code record} to its dead-letter topic on the dead-letter thread: up to
     * {@link FailurePolicy#DEAD_LETTER_SENDS} sends, each bounded by the policy's dead-letter timeout, the backoff
     * between them. Then calls {@code whenDone} once, on that thread, with null if the broker has the record, else the
     * last failure.
     */
    void publish(ConsumerRecord<String, String> record, Throwable failure, int attempts, Consumer<Exception> whenDone) {
        ProducerRecord<String, String> dead = new ProducerRecord<>(topicFor(record.topic()), record.partition(),
                record.key(), record.value(), headers(record, failure, attempts));
        sender.execute(() -> whenDone.accept(sendWithRetries(dead, RunStats.id(record))));
    }

    private Exception sendWithRetries(ProducerRecord<String, String> dead, String id) {
        Exception last = null;
        for (int send = 1; send <= FailurePolicy.DEAD_LETTER_SENDS; send++) {
            try {
                RecordMetadata at = producer().send(dead)
                        .get(policy.deadLetterTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
                LOG.info("DLT sent {} {} to {}-{}@{}", dead.key(), id, at.topic(), at.partition(), at.offset());
                return null;
            } catch (ExecutionException e) {
                last = e.getCause() instanceof Exception cause ? cause : e;
            } catch (TimeoutException | RuntimeException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return e;
            }
            if (send < FailurePolicy.DEAD_LETTER_SENDS) {
                Duration backoff = policy.backoffAfter(send);
                LOG.warn("DLT send of {} to {} failed (send {} of {}): {}; next send in {} ms", id, dead.topic(), send,
                        FailurePolicy.DEAD_LETTER_SENDS, last.toString(), backoff.toMillis());
                if (!sleep(backoff)) {
                    return last;
                }
            }
        }
        return last;
    }

    private static boolean sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Headers headers(ConsumerRecord<String, String> record, Throwable failure, int attempts) {
        Headers h = new RecordHeaders(record.headers().toArray());
        h.add(ORIGINAL_TOPIC, utf8(record.topic()));
        h.add(ORIGINAL_PARTITION, ByteBuffer.allocate(Integer.BYTES).putInt(record.partition()).array());
        h.add(ORIGINAL_OFFSET, ByteBuffer.allocate(Long.BYTES).putLong(record.offset()).array());
        h.add(ORIGINAL_TIMESTAMP, ByteBuffer.allocate(Long.BYTES).putLong(record.timestamp()).array());
        h.add(ORIGINAL_TIMESTAMP_TYPE, utf8(record.timestampType().toString()));
        h.add(ORIGINAL_CONSUMER_GROUP, utf8(group));
        h.add(EXCEPTION_FQCN, utf8(failure.getClass().getName()));
        if (failure.getCause() != null) {
            h.add(EXCEPTION_CAUSE_FQCN, utf8(failure.getCause().getClass().getName()));
        }
        if (failure.getMessage() != null) {
            h.add(EXCEPTION_MESSAGE, utf8(failure.getMessage()));
        }
        h.add(EXCEPTION_STACKTRACE, utf8(stackTrace(failure)));
        h.add(DELIVERY_ATTEMPT, ByteBuffer.allocate(Integer.BYTES).putInt(attempts).array());
        return h;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w, true));
        return w.toString();
    }

    /** Created on first use, on the dead-letter thread: a run without failures never connects a producer. */
    private synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            long bound = policy.deadLetterTimeout().toMillis();
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "dead-letters-" + group);
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            // Kafka's defaults wait 60 s for a missing topic's metadata and 120 s for a delivery: one bound for both.
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(bound));
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(bound));
            p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(bound));
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            producer = new KafkaProducer<>(p);
        }
        return producer;
    }

    /** Stops sending: sends in progress are interrupted, the producer closes within a few seconds. */
    @Override
    public void close() {
        sender.shutdownNow();
        try {
            sender.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (producer != null) {
                producer.close(Duration.ofSeconds(2));
                producer = null;
            }
        }
    }
}
