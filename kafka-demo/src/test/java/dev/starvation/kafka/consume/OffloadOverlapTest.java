package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.kafka.ops.RunStats;
import dev.starvation.kafka.produce.JobProducer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Once at a time per record and per key inside one member, even when an attempt is given up while its worker goes on:
 * asserted from when each attempt started and ended, as the processor saw it.
 */
class OffloadOverlapTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final String STUBBORN = "stubborn";

    @RegisterExtension
    static final KafkaDemoExtension KAFKA = new KafkaDemoExtension();

    /** One attempt at one record, as its processor saw it. */
    private record Attempt(String id, long startNanos, long endNanos) {
        boolean overlaps(Attempt other) {
            return startNanos < other.endNanos && other.startNanos < endNanos;
        }
    }

    /**
     * Notes every attempt; {@code stubborn} records take {@code stubbornFor}, ignoring interrupts, and then say they
     * failed if they were interrupted.
     */
    private static Processor recording(Queue<Attempt> attempts, Duration stubbornFor) {
        return record -> {
            long start = System.nanoTime();
            long length = (STUBBORN.equals(record.value()) ? stubbornFor : Duration.ofMillis(20)).toNanos();
            boolean interrupted = false;
            for (long left = length; left > 0; left = start + length - System.nanoTime()) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            attempts.add(new Attempt(RunStats.id(record), start, System.nanoTime()));
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            return !interrupted;
        };
    }

    private static List<String> overlaps(List<Attempt> of) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < of.size(); i++) {
            for (int j = i + 1; j < of.size(); j++) {
                if (of.get(i).overlaps(of.get(j))) {
                    bad.add(of.get(i) + " and " + of.get(j));
                }
            }
        }
        return bad;
    }

    @Test
    void attemptsCutAtTheirDeadlineNeverOverlapTheirRetryNorTheNextRecordOfTheirKeyEvenWithNoBackoff()
            throws Exception {
        String topic = Fixture.unique("overlap");
        dev.starvation.kafka.broker.Topics.ensure(KAFKA.bootstrapServers(), topic, 1);
        // Offset 0 (key k) ignores the interrupt at its 300 ms deadline and goes on for 1.2 s; offset 1 is key k too,
        // offset 2 another key.
        new JobProducer(KAFKA.bootstrapServers()).send(topic, 0, 3, i -> i == 2 ? "other" : "k",
                i -> i == 0 ? STUBBORN : "job-" + i);
        String group = Fixture.unique("overlap");
        Queue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        ConsumerSettings settings = KAFKA.fixture().settings(topic, group, Mode.OFFLOAD, GroupProtocol.CLASSIC, 3000,
                Duration.ofMillis(20), 4, LIMIT).withFailures(FailurePolicy.defaults()
                        .withRetries(3, Duration.ZERO).withRecordDeadline(Duration.ofMillis(300)));
        RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings,
                recording(attempts, Duration.ofMillis(1200))), group);
        RunStats stats;
        try (KafkaProbe probe = new KafkaProbe(KAFKA.bootstrapServers())) {
            org.awaitility.Awaitility.await().atMost(LIMIT).until(() -> probe.committed(group).values().stream()
                    .mapToLong(Long::longValue).sum() == 3);
            stats = consumer.stop(LIMIT);
        }

        List<Attempt> first = attempts.stream().filter(a -> a.id().equals(topic + "-0@0")).toList();
        Attempt second = attempts.stream().filter(a -> a.id().equals(topic + "-0@1")).findFirst().orElseThrow();
        assertThat(first).as("three attempts, each cut at its deadline").hasSize(3);
        assertThat(overlaps(first)).as("attempts of one record that ran at the same time").isEmpty();
        assertThat(first).allSatisfy(a -> assertThat(a.endNanos()).as("the next record of key k started after it")
                .isLessThanOrEqualTo(second.startNanos()));
        assertThat(stats.deadLetteredRecords()).isEqualTo(1);
        assertThat(KAFKA.linesStartingWith("HOLD k " + topic + "-0@0")).hasSizeGreaterThanOrEqualTo(1)
                .allMatch(l -> l.contains("past its deadline") && l.contains("still inside it"));
    }
}
