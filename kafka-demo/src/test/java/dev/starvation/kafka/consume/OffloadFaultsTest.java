package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The offloading consumer under the faults production brings: members coming and going, a shutdown mid-work, a record
 * ten times slower than the rest. Each test counts what it sent and what came out. Records that fail or hang:
 * {@link OffloadFailuresTest}.
 */
@Tag("faults")
class OffloadFaultsTest {

    private static final int INTERVAL_MS = 1400;
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();
    @RegisterExtension
    final LogExtension log = new LogExtension();
    @RegisterExtension
    final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    private static ConsumerSettings offload(String topic, String group, GroupProtocol protocol, Duration work,
            int workers) {
        return BROKER.fixture().settings(topic, group, Mode.OFFLOAD, protocol, INTERVAL_MS, work, workers, LIMIT);
    }

    /** A topic of job records where record {@code at} has the value {@code special} instead. */
    private static String topicWithOne(String special, int at, int partitions, int records) {
        return BROKER.fixture().topicWith(partitions, records, i -> i == at ? special : "job-" + i);
    }

    /** Runs one offloading consumer (classic) until the broker says every record of the topic is committed. */
    private static RunStats consumeUntilAllCommitted(KafkaProbe probe, String topic, Duration work, int workers)
            throws Exception {
        Map<TopicPartition, Long> ends = probe.endOffsets(topic);
        String group = Fixture.unique("faulty");
        RunningConsumer consumer = start(offload(topic, group, GroupProtocol.CLASSIC, work, workers), work, "faulty");
        await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
        return consumer.stop(LIMIT);
    }

    private static RunningConsumer start(ConsumerSettings settings, Duration work, String name) {
        return RunningConsumer.start(new OffloadingConsumer(settings, FaultyJobs.processor(work)), name);
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void membersJoiningAndOneLeavingMidWorkLoseNothingAndRepeatOnlyWorkRunningOnRevokedPartitions(
            GroupProtocol protocol) throws Exception {
        // Enough work that the second member still has records in flight once the third has joined and started:
        // with 36 records, wake-ups and revocations that wait made the run end before the third member's first record.
        int sent = 72;
        String topic = BROKER.fixture().topicWith(6, sent);
        String group = Fixture.unique("scale");
        Duration work = Duration.ofMillis(400);
        ConsumerSettings settings = offload(topic, group, protocol, work, 2);
        ConsumerSettings leaving = settings.withShutdownGrace(Duration.ZERO);

        RunningConsumer first = start(settings, work, "first");
        first.awaitProcessed(4, LIMIT);
        RunningConsumer second = start(leaving, work, "second");
        second.awaitProcessed(2, LIMIT);
        RunningConsumer third = start(settings, work, "third");
        third.awaitProcessed(1, LIMIT);
        OffloadingConsumer secondLoop = second.loop();
        await().atMost(LIMIT).until(() -> secondLoop.recordsInFlight() > 0);
        RunStats secondStats = second.stop(LIMIT);

        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            Ledger ledger = Ledger.of(first.stop(LIMIT), secondStats, third.stop(LIMIT));

            assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(sent);
            assertThat(ledger.records()).as("nothing lost").isEqualTo(Ledger.recordsIn(ends));
            assertThat(ledger.commitsOfUnfinishedWork(Set.of())).isEmpty();
            assertThat(secondStats.abandonedRecords()).as("the leaving member had work in flight").isPositive();
            // The bound: a record runs twice only if it was running on a partition that was revoked, lost or closed
            // under it (records that finished above the commit are skipped by the next owner).
            assertThat(ledger.duplicates()).isLessThanOrEqualTo(ledger.abandoned());
        }
        assertThat(log.linesStartingWith("ABANDONED")).hasSize((int) Ledger.of(secondStats).abandoned()
                + (int) (Ledger.of(first.stats(), third.stats()).abandoned()));
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void closeDuringProcessingFinishesInFlightWorkWithinTheGraceCommitsItAndLeavesTheGroupAtOnce(GroupProtocol protocol)
            throws Exception {
        int sent = 8;
        String topic = BROKER.fixture().topicWith(2, sent);
        String group = Fixture.unique("close");
        Duration work = Duration.ofMillis(1500);
        RunningConsumer consumer = start(offload(topic, group, protocol, work, 2)
                .withShutdownGrace(Duration.ofSeconds(5)), work, "closing");
        OffloadingConsumer loop = consumer.loop();
        await().atMost(LIMIT).until(() -> loop.recordsInFlight() == 2);

        // The Admin client connected before the stop, so the time it takes to start is not counted below.
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            assertThat(probe.members(group)).isEqualTo(1);
            RunStats stats = consumer.stop(LIMIT);
            // The member heartbeats until it closes: a session timeout (6 s under the consumer protocol, 45 s under
            // classic) could empty the group no sooner than 6 s after stop() returns. Empty before that: it left.
            await("the group empty by the member's leave, not by a session timeout").atMost(Duration.ofSeconds(5))
                    .until(() -> probe.members(group) == 0);
            Map<TopicPartition, Long> committed = probe.committed(group);
            assertThat(stats.abandonedRecords()).as("both in-flight records finished within the grace").isZero();
            assertThat(stats.records()).isBetween(2L, (long) sent - 1);
            assertThat(committed.values().stream().mapToLong(Long::longValue).sum())
                    .as("exactly what was done is committed").isEqualTo(stats.records());
            assertThat(Ledger.of(stats).commitsOfUnfinishedWork(Set.of())).isEmpty();
        }
        assertThat(log.linesStartingWith("CLOSING with 2 records in flight")).hasSize(1);
    }

    @Test
    void closePastTheGraceAbandonsInFlightWorkAndCommitsNoneOfIt() throws Exception {
        int sent = 4;
        String topic = BROKER.fixture().topicWith(2, sent);
        String group = Fixture.unique("abandon");
        Duration work = Duration.ofSeconds(20);
        RunningConsumer consumer = start(offload(topic, group, GroupProtocol.CLASSIC, work, 2)
                .withShutdownGrace(Duration.ofMillis(300)), work, "abandoning");
        OffloadingConsumer loop = consumer.loop();
        await().atMost(LIMIT).until(() -> loop.recordsInFlight() == 2);

        RunStats stats = consumer.stop(Duration.ofSeconds(10));

        assertThat(stats.records()).isZero();
        assertThat(stats.abandonedRecords()).isEqualTo(2);
        assertThat(log.linesStartingWith("ABANDONED")).hasSize(2)
                .allMatch(line -> line.endsWith("closing past the shutdown grace, not committed"));
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            assertThat(probe.committed(group)).as("nothing done, nothing committed").isEmpty();
            assertThat(probe.members(group)).isZero();
        }
    }

    @Test
    void slowRecordInOnePartitionDoesNotHoldBackTheOthersAndTheMemberStays() throws Exception {
        String topic = topicWithOne(FaultyJobs.SLOW, 0, 3, 30);
        Duration work = Duration.ofMillis(200);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            RunStats stats = consumeUntilAllCommitted(probe, topic, work, 3);

            String slowId = topic + "-0@0";
            Map<String, Long> doneAt = stats.firstProcessedAtNanos();
            long slowDone = doneAt.get(slowId);
            long slowStarted = slowDone - work.multipliedBy(10).toNanos();
            // In key mode (the default) the later records of the slow one's own partition flow too: other keys.
            Set<String> othersDuringSlow = doneAt.entrySet().stream()
                    .filter(e -> !e.getKey().equals(slowId))
                    .filter(e -> e.getValue() > slowStarted && e.getValue() < slowDone)
                    .map(Map.Entry::getKey).collect(Collectors.toSet());

            assertThat(stats.timesProcessed().keySet()).isEqualTo(Ledger.recordsIn(ends));
            assertThat(stats.timesProcessed().values()).containsOnly(1);
            // 2 s of slow record against 200 ms records on the 2 other workers: about 20 records flow meanwhile.
            assertThat(othersDuringSlow).as("other records done while the slow one ran")
                    .hasSizeGreaterThanOrEqualTo(10);
            assertThat(stats.rebalances()).isZero();
            assertThat(log.linesStartingWith("LOST")).isEmpty();
            assertThat(log.lines()).noneMatch(l -> l.contains("poll timeout has expired"));
        }
    }
}
