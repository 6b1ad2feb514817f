package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.KafkaDemo;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.ops.AdminServer;
import dev.starvation.kafka.ops.RunStats;
import dev.starvation.kafka.ordering.Ordering;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Records that fail or hang, and a dead-letter topic that is missing or cannot be written, on a broker that does not
 * create topics by itself. Each test counts what it sent and what came out (processed, retried, dead-lettered,
 * committed), reads what the log and {@code /health} say, and checks that the other partitions keep flowing.
 */
@Tag("faults")
class OffloadFailuresTest {

    private static final int INTERVAL_MS = 1400;
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Duration WORK = Duration.ofMillis(50);
    private static final Duration BACKOFF = Duration.ofMillis(200);
    private static final Duration DEADLINE = Duration.ofMillis(1000);
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 12;

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension().withConfig("auto.create.topics.enable", "false");
    @RegisterExtension
    final LogExtension log = new LogExtension();
    @RegisterExtension
    final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static ConsumerSettings settings(String topic, String group, GroupProtocol protocol, int workers,
            int attempts) {
        return BROKER.fixture().settings(topic, group, Mode.OFFLOAD, protocol, INTERVAL_MS, WORK, workers, LIMIT)
                .withFailures(FailurePolicy.defaults().withRetries(attempts, BACKOFF).withRecordDeadline(DEADLINE)
                        .withDeadLetterTimeout(Duration.ofSeconds(1)));
    }

    /** {@link #RECORDS} jobs on {@link #PARTITIONS} partitions, record {@code at} holding {@code value}. */
    private static String topicWith(String value, int at) {
        return BROKER.fixture().topicWith(PARTITIONS, RECORDS, i -> i == at ? value : "job-" + i);
    }

    /** The id of record {@code i}: records go round robin, so it is at offset i / partitions of partition i % it. */
    private static String id(String topic, int i) {
        return topic + "-" + i % PARTITIONS + "@" + i / PARTITIONS;
    }

    private HttpResponse<String> get(AdminServer admin, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(admin.baseUrl() + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String text(ConsumerRecord<?, ?> record, String header) {
        Header h = record.headers().lastHeader(header);
        assertThat(h).as("header " + header).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static long number(ConsumerRecord<?, ?> record, String header) {
        byte[] v = record.headers().lastHeader(header).value();
        return v.length == Integer.BYTES ? ByteBuffer.wrap(v).getInt() : ByteBuffer.wrap(v).getLong();
    }

    /** Runs one offloading consumer until the broker says every record of {@code topic} is committed; its counts. */
    private static RunStats consumeAll(KafkaProbe probe, String topic, String group, GroupProtocol protocol,
            Processor processor) throws Exception {
        Map<TopicPartition, Long> ends = probe.endOffsets(topic);
        RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(
                settings(topic, group, protocol, 3, 3), processor), group);
        await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
        return consumer.stop(LIMIT);
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void processorThrowingAnErrorIsRetriedThenDeadLetteredWithSpringsHeadersAndTheRestFlows(GroupProtocol protocol)
            throws Exception {
        int poison = 4;
        String topic = topicWith(MisbehavingProcessor.ERROR, poison);
        String group = Fixture.unique("error");
        String poisonId = id(topic, poison);
        MisbehavingProcessor processor = new MisbehavingProcessor(WORK);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            RunStats stats = consumeAll(probe, topic, group, protocol, processor);

            assertThat(stats.records()).as("every other record processed").isEqualTo(RECORDS - 1);
            assertThat(stats.timesProcessed().values()).containsOnly(1);
            assertThat(stats.timesProcessed()).doesNotContainKey(poisonId);
            assertThat(stats.retries()).as("attempts 1 and 2 failed and were retried").isEqualTo(2);
            assertThat(stats.deadLetteredRecords()).isEqualTo(1);
            assertThat(processor.attemptStarts(poisonId)).hasSize(3);
            assertThat(Ledger.of(stats).commitsOfUnfinishedWork(Set.of()))
                    .as("no commit passed the poison record before the dead-letter topic had it").isEmpty();

            List<ConsumerRecord<String, String>> dead = probe.readAll(DeadLetters.topicFor(topic), 1);
            assertThat(dead).hasSize(1);
            ConsumerRecord<String, String> letter = dead.get(0);
            assertThat(letter.key()).isEqualTo("job-" + poison);
            assertThat(letter.value()).isEqualTo(MisbehavingProcessor.ERROR);
            assertThat(letter.partition()).as("a dead letter keeps its partition").isEqualTo(poison % PARTITIONS);
            assertThat(text(letter, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(topic);
            assertThat(number(letter, DeadLetters.ORIGINAL_PARTITION)).isEqualTo(poison % PARTITIONS);
            assertThat(number(letter, DeadLetters.ORIGINAL_OFFSET)).isEqualTo(poison / PARTITIONS);
            assertThat(text(letter, DeadLetters.ORIGINAL_CONSUMER_GROUP)).isEqualTo(group);
            assertThat(text(letter, DeadLetters.EXCEPTION_FQCN)).isEqualTo("java.lang.AssertionError");
            assertThat(text(letter, DeadLetters.EXCEPTION_MESSAGE)).isEqualTo("invariant broken by " + poisonId);
            assertThat(text(letter, DeadLetters.EXCEPTION_STACKTRACE)).contains("MisbehavingProcessor.process");
            assertThat(number(letter, DeadLetters.DELIVERY_ATTEMPT)).isEqualTo(3);
        }
        assertThat(log.linesStartingWith("RETRY job-" + poison + " ")).hasSize(2)
                .anyMatch(l -> l.contains("attempt 1 of 3 failed: java.lang.AssertionError"))
                .anyMatch(l -> l.contains("attempt 2 of 3 failed: java.lang.AssertionError"));
        assertThat(log.linesStartingWith("POISON job-" + poison + " ")).singleElement().asString()
                .contains("topic=" + topic, "partition=" + poison % PARTITIONS, "offset=" + poison / PARTITIONS,
                        "failed 3 of 3 attempts", "sending it to " + topic + ".DLT");
        assertThat(log.stacksOf("POISON")).singleElement().asString().contains("MisbehavingProcessor.process");
        assertThat(log.linesStartingWith("DLT sent job-" + poison + " " + poisonId + " to " + topic + ".DLT-"))
                .hasSize(1);
    }

    @Test
    void processorFailingTwiceThenSucceedingIsRetriedWithADoublingBackoffAndProcessedOnce() throws Exception {
        int flaky = 5;
        String topic = topicWith(MisbehavingProcessor.FLAKY, flaky);
        String group = Fixture.unique("flaky");
        String flakyId = id(topic, flaky);
        MisbehavingProcessor processor = new MisbehavingProcessor(WORK);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            RunStats stats = consumeAll(probe, topic, group, GroupProtocol.CLASSIC, processor);

            assertThat(stats.records()).isEqualTo(RECORDS);
            assertThat(stats.timesProcessed().values()).as("processed once, after two failed attempts").containsOnly(1);
            assertThat(stats.retries()).isEqualTo(2);
            assertThat(stats.deadLetteredRecords()).isZero();
            assertThat(sum(probe.endOffsets(DeadLetters.topicFor(topic)))).as("nothing dead-lettered").isZero();
            List<Long> starts = processor.attemptStarts(flakyId);
            assertThat(starts).hasSize(3);
            // Lower bounds only: a busy machine makes the waits longer, never shorter.
            assertThat(Duration.ofNanos(starts.get(1) - starts.get(0))).isGreaterThanOrEqualTo(BACKOFF);
            assertThat(Duration.ofNanos(starts.get(2) - starts.get(1))).isGreaterThanOrEqualTo(BACKOFF.multipliedBy(2));
            assertThat(Ledger.of(stats).commitsOfUnfinishedWork(Set.of())).isEmpty();
        }
        assertThat(log.linesStartingWith("RETRY job-" + flaky + " ")).hasSize(2)
                .anyMatch(l -> l.endsWith("next attempt in 200 ms"))
                .anyMatch(l -> l.endsWith("next attempt in 400 ms"));
        assertThat(log.linesStartingWith("POISON")).isEmpty();
    }

    @Test
    void processorThatHangsAndIgnoresInterruptsIsCutAtItsDeadlineAndHeldUntilItsWorkerReturnsWhileHealthSays503()
            throws Exception {
        int hung = 0;
        String topic = topicWith(MisbehavingProcessor.HANG, hung);
        String group = Fixture.unique("hang");
        String hungId = id(topic, hung);
        MisbehavingProcessor processor = new MisbehavingProcessor(WORK);
        OffloadingConsumer loop = new OffloadingConsumer(settings(topic, group, GroupProtocol.CLASSIC, 4, 3),
                processor);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers());
             AdminServer admin = ConsumeCommand.serve(loop, "127.0.0.1", 0)) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            RunningConsumer consumer = RunningConsumer.start(loop, "hang");
            try {
                await().atMost(LIMIT).until(() -> consumer.stats().records() == RECORDS - 1
                        && !log.linesStartingWith("HOLD job-0 " + hungId).isEmpty());
                // Held a while: no second attempt starts beside the first, which is still inside the processor.
                Thread.sleep(1500);

                HttpResponse<String> health = get(admin, "/health");
                HttpResponse<String> ready = get(admin, "/ready");
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(health.body()).startsWith("1 job(s) past the 1000 ms deadline: worker-")
                        .contains(" on " + hungId + " for ");
                assertThat(ready.statusCode()).as("three workers of four are still free").isEqualTo(200);
                assertThat(loop.stuckWorkers()).isEqualTo(1);
                assertThat(processor.attemptStarts(hungId)).as("one attempt while the first still runs").hasSize(1);
                assertThat(probe.committed(group).getOrDefault(new TopicPartition(topic, hung % PARTITIONS), 0L))
                        .as("no commit passes the held record").isZero();
            } finally {
                processor.release();
            }
            await("the hung attempt's late success counts once its worker is back").atMost(LIMIT)
                    .until(() -> probe.committed(group).equals(ends));
            assertThat(get(admin, "/health").statusCode()).isEqualTo(200);
            assertThat(loop.stuckWorkers()).isZero();
            RunStats stats = consumer.stop(LIMIT);
            assertThat(stats.records()).as("every record, the hung one by its late first attempt").isEqualTo(RECORDS);
            assertThat(stats.timesProcessed().values()).containsOnly(1);
            assertThat(stats.retries()).isEqualTo(1);
            assertThat(stats.deadLetteredRecords()).isZero();
        }
        // The hung attempt ignores its interrupt and stays silent until released: one STALL, whatever the machine. (A
        // busy machine may add one for a 50 ms record: only the hung record's lines are counted.)
        assertThat(log.linesStartingWith("STALL worker-")).filteredOn(l -> l.contains(" on " + hungId + " ")).hasSize(1)
                .allMatch(l -> l.matches("STALL worker-\\d+ on " + hungId + " for \\d+ ms \\(deadline 1000 ms\\)"));
        assertThat(log.stacksOf("STALL worker-", hungId)).singleElement().asString()
                .contains("MisbehavingProcessor.hangIgnoringInterrupts");
        assertThat(log.linesStartingWith("DEADLINE worker-")).filteredOn(l -> l.contains(" on " + hungId + " "))
                .singleElement().asString().contains(" on " + hungId + " passed its 1000 ms deadline: interrupting it");
        assertThat(log.linesStartingWith("RETRY job-0 ")).singleElement().asString()
                .contains("java.util.concurrent.TimeoutException");
        assertThat(log.linesStartingWith("HOLD over job-0 " + hungId)).singleElement().asString()
                .contains("having processed it after all: done, its retry dropped");
    }

    @Test
    void processorThatHangsButHonoursInterruptsIsCutAtItsDeadlineAndItsWorkerComesBackAtOnce() throws Exception {
        int hung = 1;
        String topic = topicWith(MisbehavingProcessor.HANG_POLITELY, hung);
        String group = Fixture.unique("polite");
        String hungId = id(topic, hung);
        OffloadingConsumer loop = new OffloadingConsumer(settings(topic, group, GroupProtocol.CONSUMER, 2, 2),
                new MisbehavingProcessor(WORK));
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers());
             AdminServer admin = ConsumeCommand.serve(loop, "127.0.0.1", 0)) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            RunningConsumer consumer = RunningConsumer.start(loop, "polite");
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));

            assertThat(get(admin, "/health").statusCode()).as("nothing is left past its deadline").isEqualTo(200);
            assertThat(loop.stuckWorkers()).isZero();
            RunStats stats = consumer.stop(LIMIT);
            assertThat(stats.records()).isEqualTo(RECORDS - 1);
            assertThat(stats.retries()).isEqualTo(1);
            assertThat(stats.deadLetteredRecords()).isEqualTo(1);
            assertThat(probe.readAll(DeadLetters.topicFor(topic), 1)).singleElement()
                    .satisfies(r -> assertThat(number(r, DeadLetters.DELIVERY_ATTEMPT)).isEqualTo(2));
        }
        assertThat(log.linesStartingWith("DEADLINE worker-")).hasSize(2);
        // STALL comes at half the deadline with the process's pauses left out, the interrupt at the deadline by the
        // clock: on a busy machine an attempt may be interrupted before it was reported. At least one is, each with
        // the processor's frame, and each reported attempt's end is logged.
        List<String> stacks = log.stacksOf("STALL worker-", hungId);
        assertThat(stacks).isNotEmpty().hasSizeLessThanOrEqualTo(2)
                .allMatch(stack -> stack.contains("MisbehavingProcessor.hangUntilInterrupted"));
        assertThat(log.linesStartingWith("STALL over: worker-")).filteredOn(l -> l.contains(" on " + hungId + " "))
                .as("each reported attempt ended").hasSize(stacks.size())
                .allMatch(l -> l.contains(" on " + hungId + " ended after "));
    }

    @Test
    void everyWorkerHeldByAHungRecordMakesReady503AndNothingElseStartsUntilOneReturns() throws Exception {
        String topic = topicWith(MisbehavingProcessor.HANG, 0);
        String group = Fixture.unique("all-stuck");
        MisbehavingProcessor processor = new MisbehavingProcessor(WORK);
        OffloadingConsumer loop = new OffloadingConsumer(settings(topic, group, GroupProtocol.CLASSIC, 1, 1),
                processor);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers());
             AdminServer admin = ConsumeCommand.serve(loop, "127.0.0.1", 0)) {
            RunningConsumer consumer = RunningConsumer.start(loop, "all-stuck");
            try {
                await().atMost(LIMIT).until(() -> consumer.stats().deadLetteredRecords() == 1);
                long processedWhileHeld = consumer.stats().processed();

                HttpResponse<String> ready = get(admin, "/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).startsWith("no free worker: all 1 are held by given-up attempts");
                assertThat(get(admin, "/health").statusCode()).isEqualTo(503);
                // The one worker is held: for 2 s, forty times a record's work, the poll thread hands out nothing.
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                        .until(() -> consumer.stats().processed() == processedWhileHeld);
                assertThat(loop.isRunning()).as("the poll loop still runs").isTrue();
            } finally {
                processor.release();
            }
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            assertThat(get(admin, "/ready").statusCode()).isEqualTo(200);
            RunStats stats = consumer.stop(LIMIT);
            assertThat(stats.records()).isEqualTo(RECORDS);
            assertThat(stats.duplicates()).as("the hung attempt returned true late: it counts, once").isZero();
        }
    }

    @Test
    void deadLetterTopicThatCannotBeWrittenStopsItsPartitionAndHealthSaysWhyWhileTheOthersFlow() throws Exception {
        int poison = 4;
        String topic = topicWith(MisbehavingProcessor.ERROR, poison);
        String group = Fixture.unique("dlt-gone");
        CountDownLatch dltDeleted = new CountDownLatch(1);
        // One record at a time per partition, so that "nothing after the record ran" is exact; in key mode records of
        // other keys above it may have run already, and the commit stops at the record all the same.
        OffloadingConsumer loop = new OffloadingConsumer(settings(topic, group, GroupProtocol.CLASSIC, 3, 1)
                .withOrdering(Ordering.PARTITION, ConsumerSettings.DEFAULT_MAX_BUFFERED),
                new MisbehavingProcessor(WORK, dltDeleted));
        TopicPartition stoppedPartition = new TopicPartition(topic, poison % PARTITIONS);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers());
             AdminServer admin = ConsumeCommand.serve(loop, "127.0.0.1", 0);
             Admin kafka = Admin.create(dev.starvation.kafka.broker.BrokerCheck.adminProperties(
                     BROKER.bootstrapServers(), Duration.ofSeconds(10)))) {
            RunningConsumer consumer = RunningConsumer.start(loop, "dlt-gone");
            await().atMost(LIMIT).until(() -> !log.linesStartingWith("DLT " + topic + ".DLT created").isEmpty());
            kafka.deleteTopics(List.of(topic + ".DLT")).all().get();
            dltDeleted.countDown();

            await().atMost(LIMIT).until(() -> !log.linesStartingWith("STOPPED").isEmpty());
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            Map<TopicPartition, Long> expected = new java.util.HashMap<>(ends);
            expected.put(stoppedPartition, (long) poison / PARTITIONS);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(expected));
            Thread.sleep(1_000);

            assertThat(probe.committed(group)).as("still nothing committed past the record").isEqualTo(expected);
            HttpResponse<String> health = get(admin, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).startsWith("partition " + stoppedPartition + " stopped at offset "
                    + poison / PARTITIONS + ": " + id(topic, poison) + " failed its 1 attempt(s) and could not be "
                    + "written to " + topic + ".DLT in 3 sends").contains("TimeoutException");
            RunStats stats = consumer.stop(LIMIT);
            assertThat(stats.deadLetteredRecords()).isZero();
            assertThat(stats.timesProcessed().keySet()).as("nothing after the record ran on its partition")
                    .noneMatch(id -> id.startsWith(topic + "-" + stoppedPartition.partition() + "@")
                            && Long.parseLong(id.substring(id.indexOf('@') + 1)) > poison / PARTITIONS);
            assertThat(stats.records()).as("the other partitions flowed").isEqualTo(RECORDS - 3);
        }
        assertThat(log.linesStartingWith("DLT send of " + id(topic, poison) + " to " + topic + ".DLT failed"))
                .hasSize(2);
        assertThat(log.linesStartingWith("STOPPED partition " + stoppedPartition)).hasSize(1);
    }

    @Test
    void deadLetterTopicIsCreatedAtStartWithTheSourcesPartitionCountThoughTheBrokerCreatesNoTopics() throws Exception {
        String topic = BROKER.fixture().topicWith(PARTITIONS, 3);
        StringWriter err = new StringWriter();
        int code = KafkaDemo.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "consume",
                "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--mode", "offload",
                "--process-ms", "10", "--expect", "3", "--duration", "30s");

        assertThat(code).as(err.toString()).isZero();
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            assertThat(probe.endOffsets(topic + ".DLT")).hasSize(PARTITIONS);
        }
        assertThat(log.linesStartingWith("DLT " + topic + ".DLT created with 3 partition(s)")).hasSize(1);
    }

    @Test
    void deadLetterTopicThatTheBrokerRefusesToCreateStopsTheConsumerAtStartWithTheBrokersReason() {
        String topic = BROKER.fixture().topicWith(PARTITIONS, 1);
        // Kafka refuses a name that differs from an existing one only by '.' against '_' (their metrics collide).
        Topics.ensure(BROKER.bootstrapServers(), topic + "_DLT", 1);

        assertThat(consumeFails(topic)).startsWith("ERROR consume: cannot create the dead-letter topic " + topic
                + ".DLT with 3 partition(s): ").contains("collides");
    }

    /** Runs {@code consume --mode offload} on {@code topic}, expects exit code 1 and returns what it printed. */
    private static String consumeFails(String topic) {
        StringWriter err = new StringWriter();
        int code = KafkaDemo.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "consume",
                "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--mode", "offload");
        assertThat(code).as(err.toString()).isEqualTo(1);
        return err.toString();
    }
}
