package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.ops.RunStats;
import dev.starvation.kafka.produce.JobProducer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What lands on {@code <topic>.DLT}, read back from the broker: where, how big, and byte for byte what; and what does
 * not: records failing only because a dependency is down.
 */
class DeadLetterTopicTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** Under the producer's 1 MiB max.request.size by 8 KiB: the source topic takes it, its 12 KiB stack does not fit. */
    private static final int BIG = 1_040_000;

    @RegisterExtension
    static final KafkaDemoExtension KAFKA = new KafkaDemoExtension();

    private static ConsumerSettings settings(String topic, String group) {
        return KAFKA.fixture().settings(topic, group, Mode.OFFLOAD, GroupProtocol.CLASSIC, 3000, Duration.ZERO, 2,
                LIMIT).withFailures(FailurePolicy.defaults().withRetries(1, Duration.ofMillis(50))
                        .withDeadLetterTimeout(Duration.ofSeconds(5)));
    }

    /** Fails every record longer than 1,000 characters, at once, 200 frames deep (a framework's stack is long). */
    private static boolean failBig(ConsumerRecord<String, String> record) {
        return record.value().length() <= 1000 || deep(200, record);
    }

    private static boolean deep(int frames, ConsumerRecord<String, String> record) {
        if (frames == 0) {
            throw new IllegalStateException("too big to process: " + RunStats.id(record));
        }
        return deep(frames - 1, record);
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @Test
    void bigRecordFromAPartitionTheDeadLetterTopicLacksIsDeadLetteredWhereTheProducerPutsItWithItsStackCut()
            throws Exception {
        String topic = Fixture.unique("big");
        Topics.ensure(KAFKA.bootstrapServers(), topic, 3);
        // The dead-letter topic has one partition (made so, or the source gained partitions since).
        Topics.ensure(KAFKA.bootstrapServers(), DeadLetters.topicFor(topic), 1);
        String big = "x".repeat(BIG);
        new JobProducer(KAFKA.bootstrapServers()).send(topic, 0, 3, i -> i == 2 ? big : "job-" + i);
        String group = Fixture.unique("big");
        try (KafkaProbe probe = new KafkaProbe(KAFKA.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings(topic, group),
                    DeadLetterTopicTest::failBig), group);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            RunStats stats = consumer.stop(LIMIT);

            assertThat(stats.deadLetteredRecords()).isEqualTo(1);
            List<ConsumerRecord<String, String>> dead = probe.readAll(DeadLetters.topicFor(topic), 1);
            assertThat(dead).singleElement().satisfies(r -> {
                assertThat(r.partition()).isZero();
                assertThat(r.value()).isEqualTo(big);
                assertThat(ByteBuffer.wrap(r.headers().lastHeader(DeadLetters.ORIGINAL_PARTITION).value()).getInt())
                        .isEqualTo(2);
                assertThat(header(r, DeadLetters.EXCEPTION_STACKTRACE))
                        .startsWith("java.lang.IllegalStateException: too big to process: " + topic + "-2@0")
                        .endsWith("(truncated to fit the dead-letter topic's max.message.bytes)");
            });
        }
        assertThat(KAFKA.linesStartingWith("DLT " + DeadLetters.topicFor(topic) + " has 1 partition(s), fewer than "
                + "the 3 of " + topic)).hasSize(1);
        assertThat(KAFKA.linesStartingWith("STOPPED")).isEmpty();
    }

    @Test
    void recordFailingOnlyWhileADependencyIsDownWaitsItOutWithoutUsingItsAttemptsAndIsProcessedNotDeadLettered()
            throws Exception {
        String topic = KAFKA.fixture().topicWith(1, 3);
        String group = Fixture.unique("outage");
        java.util.concurrent.atomic.AtomicInteger outage = new java.util.concurrent.atomic.AtomicInteger(5);
        Processor processor = record -> {
            if (record.offset() == 1 && outage.getAndDecrement() > 0) {
                throw new RetriableProcessingException("downstream unavailable (503)");
            }
            return true;
        };
        try (KafkaProbe probe = new KafkaProbe(KAFKA.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            // Two attempts per record, 20 ms backoff: five transient failures would dead-letter it twice over.
            RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings(topic, group)
                    .withFailures(FailurePolicy.defaults().withRetries(2, Duration.ofMillis(20))), processor), group);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            RunStats stats = consumer.stop(LIMIT);

            assertThat(stats.records()).isEqualTo(3);
            assertThat(stats.deadLetteredRecords()).isZero();
            assertThat(stats.retries()).as("no attempt used up").isZero();
        }
        assertThat(KAFKA.linesStartingWith("BACKOFF job-1 " + topic + "-0@1")).hasSize(5)
                .allMatch(l -> l.contains("downstream unavailable (503)") && l.contains("attempt 1 of 2 not used up"));
        assertThat(KAFKA.linesStartingWith("POISON")).isEmpty();
    }
}
