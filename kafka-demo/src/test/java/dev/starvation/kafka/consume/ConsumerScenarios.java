package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The demo's claims, proved on a real broker: the naive consumer is thrown out and repeats itself, the tuned one
 * stays, the offloading one processes everything once. Subclasses only say where the broker is.
 * Second-scale settings: 700 ms of CPU per record against max.poll.interval.ms 1400, so a batch of 3 overruns it.
 */
abstract class ConsumerScenarios {

    static final Duration PROCESS = Duration.ofMillis(700);
    static final int INTERVAL_MS = 1400;
    static final Duration LIMIT = Duration.ofSeconds(40);

    @RegisterExtension
    final LogExtension log = new LogExtension();
    @RegisterExtension
    final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    /** Where the broker is. */
    abstract String bootstrapServers();

    static String unique(String base) {
        return Fixture.unique(base);
    }

    String topicWith(int partitions, int records) {
        return new Fixture(bootstrapServers()).topicWith(partitions, records);
    }

    ConsumerSettings settings(String topic, String group, Mode mode, GroupProtocol protocol) {
        return new Fixture(bootstrapServers()).settings(topic, group, mode, protocol, INTERVAL_MS, PROCESS, 1, LIMIT);
    }

    @Test
    void naiveConsumerIsThrownOutAndProcessesTheSameRecordsAgain() throws Exception {
        String topic = topicWith(1, 3);
        RunningConsumer naive = RunningConsumer.start(new NaiveConsumer(
                settings(topic, unique("naive"), Mode.NAIVE, GroupProtocol.CLASSIC), Processor.cpuWork(PROCESS)), "naive");

        await().atMost(LIMIT).until(() -> naive.stats().duplicates() > 0 && naive.stats().commitFailures() > 0);
        RunStats stats = naive.stop(LIMIT);

        assertThat(stats.rebalances()).as("REVOKED or LOST after the first assignment").isPositive();
        assertThat(log.linesStartingWith("COMMIT failed CommitFailedException")).isNotEmpty();
        assertThat(log.linesStartingWith("DUPLICATE job-0 ")).isNotEmpty();
        assertThat(stats.committedOffsets()).as("no batch was ever committed").isZero();
        int stall = log.indexOfFirst("STALL poll thread silent for");
        int clientGaveUp = log.indexOfFirst("consumer poll timeout has expired");
        int thrownOut = Math.min(positive(log.indexOfFirst("LOST [")), positive(log.indexOfFirst("REVOKED [")));
        assertThat(stall).as("STALL logged").isNotNegative();
        assertThat(stall).as("STALL before the client's own poll-timeout warning").isLessThan(clientGaveUp);
        assertThat(stall).as("STALL before the member lost its partition").isLessThan(thrownOut);
        assertThat(log.stacksOf("STALL")).first().asString()
                .as("the stack names the processing code").contains("NaiveConsumer.handle");
    }

    private static int positive(int index) {
        return index < 0 ? Integer.MAX_VALUE : index;
    }

    @Test
    void naiveConsumerUnderTheConsumerProtocolAloneInItsGroupLeavesButItsLateCommitIsAccepted() throws Exception {
        String topic = topicWith(1, 3);
        String group = unique("naive-848-alone");
        RunningConsumer naive = RunningConsumer.start(new NaiveConsumer(
                settings(topic, group, Mode.NAIVE, GroupProtocol.CONSUMER), Processor.cpuWork(PROCESS)), "naive");

        await().atMost(LIMIT).until(() -> !log.linesStartingWith("LOST [").isEmpty()
                && !log.linesStartingWith("ASSIGNED [").isEmpty() && naive.stats().committedOffsets() == 3);
        // Give the member its second assignment before stopping, so a duplicate would have had its chance.
        await().atMost(LIMIT).until(() -> log.linesStartingWith("ASSIGNED [").size() >= 2);
        RunStats stats = naive.stop(LIMIT);

        assertThat(log.indexOfFirst("Consumer poll timeout has expired")).as("the member left the group").isNotNegative();
        assertThat(log.indexOfFirst("COMMIT ok {" + topic + "-0=3}"))
                .as("the late commit went through, before the member saw its partition lost")
                .isNotNegative().isLessThan(log.indexOfFirst("LOST ["));
        assertThat(stats.commitFailures()).isZero();
        assertThat(stats.duplicates()).as("the committed offset is where the member starts again").isZero();
        try (KafkaProbe broker = new KafkaProbe(bootstrapServers())) {
            assertThat(broker.committed(group)).containsEntry(new TopicPartition(topic, 0), 3L);
        }
    }

    @Test
    void naiveConsumerUnderTheConsumerProtocolWithASecondMemberFailsItsLateCommitAndTheRecordsAreProcessedTwice()
            throws Exception {
        String topic = topicWith(1, 4);
        String group = unique("naive-848-pair");
        RunningConsumer slow = RunningConsumer.start(new NaiveConsumer(
                settings(topic, group, Mode.NAIVE, GroupProtocol.CONSUMER), Processor.cpuWork(PROCESS)), "slow");
        slow.awaitProcessed(1, LIMIT);
        RunningConsumer quick = RunningConsumer.start(new NaiveConsumer(
                settings(topic, group, Mode.NAIVE, GroupProtocol.CONSUMER).withWork(Duration.ZERO, 1, 0, LIMIT),
                Processor.cpuWork(Duration.ZERO)), "quick");

        await().atMost(LIMIT).until(() -> slow.stats().commitFailures() > 0 && quick.stats().committedOffsets() == 4);
        RunStats slowStats = slow.stop(LIMIT);
        RunStats quickStats = quick.stop(LIMIT);

        assertThat(log.linesStartingWith("COMMIT failed CommitFailedException")).first().asString()
                .containsIgnoringCase("unknown member");
        assertThat(slowStats.records()).as("the slow member finished its batch").isEqualTo(4);
        assertThat(quickStats.records()).as("the other member got the partition and did it again").isEqualTo(4);
        assertThat(Ledger.of(slowStats, quickStats).duplicates()).isEqualTo(4);
        try (KafkaProbe broker = new KafkaProbe(bootstrapServers())) {
            assertThat(broker.committed(group)).containsEntry(new TopicPartition(topic, 0), 4L);
        }
    }

    @Test
    void tunedConsumerStaysInItsGroupWhenOneRecordFitsInThePollInterval() throws Exception {
        String topic = topicWith(1, 3);
        String group = unique("tuned");
        ConsumerSettings tuned = Tuning.tune(settings(topic, group, Mode.TUNED, GroupProtocol.CLASSIC)
                .withWork(PROCESS, 1, 3, LIMIT));

        RunStats stats = RunningConsumer.start(new NaiveConsumer(tuned, Processor.cpuWork(PROCESS)), "tuned")
                .awaitEnd(LIMIT);

        assertThat(tuned.maxPollRecords()).isEqualTo(1);
        assertThat(tuned.maxPollIntervalMs()).isEqualTo(2 * 700 + Tuning.SLACK_MS);
        assertThat(log.linesStartingWith("TUNED max.poll.records=1 max.poll.interval.ms=3400 because process-ms=700"))
                .hasSize(1);
        assertThat(stats.records()).isEqualTo(3);
        assertThat(stats.rebalances()).isZero();
        assertThat(stats.commitFailures()).isZero();
        assertThat(stats.duplicates()).isZero();
        // Lines about the poll thread only: a busy machine may log "STALL process paused" besides.
        assertThat(log.linesStartingWith("STALL poll thread")).as("one record stays under the watchdog's share").isEmpty();
        try (KafkaProbe broker = new KafkaProbe(bootstrapServers())) {
            assertThat(broker.committed(group)).containsEntry(new TopicPartition(topic, 0), 3L);
        }
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void offloadingConsumerProcessesEveryRecordOnceAndCommitsThemAllWhileEachTakesTwiceThePollInterval(
            GroupProtocol protocol) throws Exception {
        int records = 6;
        String topic = topicWith(3, records);
        String group = unique("offload");
        Duration work = Duration.ofMillis(2L * INTERVAL_MS);
        ConsumerSettings settings = settings(topic, group, Mode.OFFLOAD, protocol).withWork(work, 3, records, LIMIT);

        RunStats stats = RunningConsumer.start(new OffloadingConsumer(settings, Processor.cpuWork(work)), "offload")
                .awaitEnd(LIMIT);

        try (KafkaProbe broker = new KafkaProbe(bootstrapServers())) {
            Map<TopicPartition, Long> ends = broker.endOffsets(topic);
            assertThat(stats.timesProcessed().keySet()).isEqualTo(Ledger.recordsIn(ends));
            assertThat(stats.timesProcessed().values()).as("each record exactly once").containsOnly(1);
            assertThat(broker.committed(group)).as("committed offsets, from the broker").isEqualTo(nonEmpty(ends));
        }
        assertThat(stats.rebalances()).isZero();
        assertThat(stats.commitFailures()).isZero();
        assertThat(log.linesStartingWith("LOST")).isEmpty();
    }

    static Map<TopicPartition, Long> nonEmpty(Map<TopicPartition, Long> ends) {
        return ends.entrySet().stream().filter(e -> e.getValue() > 0)
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void secondOffloadingConsumerJoiningMidRunLosesNothingAndNothingUnfinishedIsCommitted(GroupProtocol protocol)
            throws Exception {
        int records = 12;
        String topic = topicWith(3, records);
        String group = unique("offload-join");
        Duration work = Duration.ofMillis(1000);
        ConsumerSettings settings = settings(topic, group, Mode.OFFLOAD, protocol).withWork(work, 3, 0, LIMIT);

        RunningConsumer first = RunningConsumer.start(new OffloadingConsumer(settings, Processor.cpuWork(work)), "first");
        first.awaitProcessed(3, LIMIT);
        RunningConsumer second = RunningConsumer.start(new OffloadingConsumer(settings, Processor.cpuWork(work)),
                "second");
        try (KafkaProbe broker = new KafkaProbe(bootstrapServers())) {
            Map<TopicPartition, Long> ends = broker.endOffsets(topic);
            await().atMost(LIMIT).until(() -> broker.committed(group).equals(nonEmpty(ends)));
            Ledger ledger = Ledger.of(first.stop(LIMIT), second.stop(LIMIT));

            assertThat(ledger.records()).as("no record lost").isEqualTo(Ledger.recordsIn(ends));
            assertThat(ledger.commitsOfUnfinishedWork(Set.of())).isEmpty();
            assertThat(ledger.rebalances()).as("the first consumer gave partitions to the second").isPositive();
            // The bound: a record is done twice only if it was running on a partition taken away (at most the 3
            // workers' records in flight).
            assertThat(ledger.duplicates()).isLessThanOrEqualTo(ledger.abandoned());
            assertThat(ledger.abandoned()).isLessThanOrEqualTo(3);
        }
    }
}
