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
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends records that failed every attempt to {@code <topic>.DLT}, as Spring Kafka's DeadLetterPublishingRecoverer
 * does: the same partition number where the dead-letter topic has it (else the producer chooses), the original key,
 * value and headers, plus headers under Spring's names saying where the record came from and why it failed, so tools
 * written for Spring's dead letters read these too. Sends run on a thread of their own, each bounded, a few times with
 * a backoff, so neither the poll thread nor a worker waits on them.
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
    /** The producer's default max.request.size, and the broker's default for a topic's max.message.bytes, rounded. */
    static final int DEFAULT_MAX_BYTES = 1_048_576;
    /**
     * Room left for what a batch adds around the record's key, value and headers: the batch header (61 bytes) and
     * each field's length and attributes, with a wide margin.
     */
    static final int BATCH_OVERHEAD = 1_024;
    private static final String TRUNCATED = "\n\t... (truncated to fit the dead-letter topic's max.message.bytes)";

    private final String bootstrapServers;
    private final String group;
    private final FailurePolicy policy;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dead-letters");
        t.setDaemon(true);
        return t;
    });
    private KafkaProducer<String, String> producer;
    /** Partitions of the dead-letter topic, read at start: a source partition past them lets the producer choose. */
    private volatile int deadLetterPartitions = Integer.MAX_VALUE;
    /** What the broker accepts in one batch on the dead-letter topic (its max.message.bytes), read at start. */
    private volatile int maxMessageBytes = DEFAULT_MAX_BYTES;

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
     * Makes sure {@code <topic>.DLT} exists, creating it with {@code topic}'s partition count (a dead letter keeps its
     * partition number) and the broker's default replication factor. A consumer must not start without it: with topic
     * auto-creation off, a send to a missing topic waits for metadata that never comes. One with fewer partitions
     * (made so, or the source has gained some) is used as it is: the producer chooses where those dead letters go.
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
                deadLetterPartitions = existing;
                if (existing < partitions) {
                    LOG.warn("DLT {} has {} partition(s), fewer than the {} of {}: dead letters from partitions {} on "
                            + "go where the producer puts them (by key), as Spring Kafka's do", dlt, existing,
                            partitions, topic, existing);
                } else {
                    LOG.info("DLT {} exists with {} partition(s)", dlt, existing);
                }
            } else {
                create(admin, dlt, partitions);
                deadLetterPartitions = partitions;
            }
            maxMessageBytes = maxMessageBytes(admin, dlt);
        }
    }

    /** The topic's max.message.bytes, or the broker's default if it cannot be read. */
    private static int maxMessageBytes(Admin admin, String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = Waiting.get(admin.describeConfigs(List.of(resource)).all(), ADMIN_TIMEOUT,
                    "cannot read the configs of " + topic).get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return entry == null || entry.value() == null ? DEFAULT_MAX_BYTES : Integer.parseInt(entry.value());
        } catch (RuntimeException e) {
            LOG.warn("DLT {}: max.message.bytes not readable ({}); {} bytes assumed", topic, e.toString(),
                    DEFAULT_MAX_BYTES);
            return DEFAULT_MAX_BYTES;
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
        Integer partition = record.partition() < deadLetterPartitions ? record.partition() : null;
        ProducerRecord<String, String> dead = new ProducerRecord<>(topicFor(record.topic()), partition,
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
        h.add(DELIVERY_ATTEMPT, ByteBuffer.allocate(Integer.BYTES).putInt(attempts).array());
        int room = maxMessageBytes - BATCH_OVERHEAD - size(record, h) - EXCEPTION_STACKTRACE.length();
        h.add(EXCEPTION_STACKTRACE, fitted(stackTrace(failure), room));
        return h;
    }

    /** Bytes of the record's key and value and of every header's name and value: what the batch carries of it. */
    private static int size(ConsumerRecord<String, String> record, Headers headers) {
        long n = utf8OrEmpty(record.key()).length + utf8OrEmpty(record.value()).length;
        for (Header header : headers) {
            n += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    private static byte[] utf8OrEmpty(String s) {
        return s == null ? new byte[0] : utf8(s);
    }

    /**
     * The stack trace, cut so the whole dead letter fits in {@code room} bytes with a line saying so: a big record's
     * stack must not make it too large for the dead-letter topic (RecordTooLargeException, partition stopped).
     */
    static byte[] fitted(String stack, int room) {
        byte[] full = utf8(stack);
        if (full.length <= room) {
            return full;
        }
        byte[] marker = utf8(TRUNCATED);
        int keep = Math.max(0, room - marker.length);
        // Cut at a character boundary: never in the middle of a UTF-8 sequence.
        while (keep > 0 && keep < full.length && (full[keep] & 0xC0) == 0x80) {
            keep--;
        }
        byte[] cut = java.util.Arrays.copyOf(full, keep + marker.length);
        System.arraycopy(marker, 0, cut, keep, marker.length);
        return cut;
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
            // A record the source topic took fits the dead-letter topic too: let the producer send up to its limit.
            p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(Math.max(DEFAULT_MAX_BYTES, maxMessageBytes)));
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
