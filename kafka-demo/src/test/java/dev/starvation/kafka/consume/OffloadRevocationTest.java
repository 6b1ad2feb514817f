package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.ops.RunStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the offloading consumer does with work in flight when partitions are taken away (a bounded wait, a commit of
 * what finished, leftovers that never make the pool reject), and how its poll thread waits while work runs.
 */
@Tag("faults")
class OffloadRevocationTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();
    @RegisterExtension
    final LogExtension log = new LogExtension();
    @RegisterExtension
    final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    private static ConsumerSettings settings(String topic, String group, GroupProtocol protocol, int intervalMs,
            Duration work, int workers) {
        return BROKER.fixture().settings(topic, group, Mode.OFFLOAD, protocol, intervalMs, work, workers, LIMIT);
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void recordCloseToDoneWhenItsPartitionIsRevokedFinishesAndIsCommittedBeforeTheHandOver(GroupProtocol protocol)
            throws Exception {
        // Two partitions, each starting with a record that runs until the test opens the gate: both are in flight
        // when the second member joins, whichever partition the assignor moves.
        String topic = BROKER.fixture().topicWith(2, 4, i -> i < 2 ? MisbehavingProcessor.GATED : "job-" + i);
        String group = Fixture.unique("revoke-wait");
        Duration work = Duration.ofMillis(100);
        // max.poll.interval.ms 6000: a revocation waits up to 6000 - 3000 (commit) - 1200 (heartbeat) - 600 = 1.2 s.
        ConsumerSettings settings = settings(topic, group, protocol, 6000, work, 2);
        MisbehavingProcessor first = new MisbehavingProcessor(work);
        RunningConsumer a = RunningConsumer.start(new OffloadingConsumer(settings, first), "first");
        OffloadingConsumer aLoop = a.loop();
        await().atMost(LIMIT).until(() -> aLoop.recordsInFlight() == 2);

        MisbehavingProcessor second = new MisbehavingProcessor(work);
        second.openGate();
        RunningConsumer b = RunningConsumer.start(new OffloadingConsumer(settings, second), "second");
        await().atMost(LIMIT).until(() -> !log.linesStartingWith("REVOKING", "first").isEmpty());
        // The revoked record is close to done: it finishes while the revocation waits.
        Thread.sleep(200);
        first.openGate();

        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            RunStats aStats = a.stop(LIMIT);
            RunStats bStats = b.stop(LIMIT);
            Ledger ledger = Ledger.of(aStats, bStats);

            assertThat(ledger.records()).isEqualTo(Ledger.recordsIn(ends));
            assertThat(aStats.abandonedRecords()).as("nothing given up: the record finished within the wait").isZero();
            assertThat(ledger.duplicates()).as("the new owner started after the finished record").isZero();
            assertThat(bStats.records()).as("the second member got a partition and worked on it").isPositive();
            assertThat(ledger.commitsOfUnfinishedWork(Set.of())).isEmpty();
        }
        List<String> revoking = log.linesStartingWith("REVOKING", "first");
        assertThat(revoking.get(0)).matches("REVOKING \\[" + topic + "-[01]] with 1 records in flight: waiting up to "
                + "1200 ms for them, then committing within 3000 ms \\(rebalance timeout 6000 ms\\)");
        String revoked = revoking.get(0).substring("REVOKING [".length(), revoking.get(0).indexOf(']'));
        List<String> firstLines = log.linesStartingWith("", "first");
        int revokingAt = firstLines.indexOf(revoking.get(0));
        int committedAt = -1;
        for (int i = revokingAt; i < firstLines.size(); i++) {
            if (firstLines.get(i).startsWith("COMMIT ok") && firstLines.get(i).contains(revoked + "=1")) {
                committedAt = i;
                break;
            }
        }
        assertThat(committedAt).as("the finished record committed during the revocation").isPositive();
        assertThat(firstLines.subList(revokingAt, committedAt)).as("nothing given up while the revocation waited")
                .noneMatch(l -> l.startsWith("ABANDONED"));
    }

    @Test
    void manyRebalancesWithWorkThatIgnoresInterruptsNeverMakeThePoolRejectWork() throws Exception {
        // Two partitions on two workers: both always have a record in flight, so every joiner takes one away mid-work.
        // 10 x 600 ms per partition: work left for every cycle even when a busy machine makes each join take seconds.
        int partitions = 2;
        int sent = 20;
        String topic = BROKER.fixture().topicWith(partitions, sent, i -> MisbehavingProcessor.STUBBORN);
        String group = Fixture.unique("rebalances");
        Duration work = Duration.ofMillis(600);
        // Grace 0: every revocation gives its records up at once, and their workers stay busy for up to 600 ms.
        ConsumerSettings settings = settings(topic, group, GroupProtocol.CLASSIC, 1400, work, 2)
                .withShutdownGrace(Duration.ZERO);
        RunningConsumer a = RunningConsumer.start(new OffloadingConsumer(settings, new MisbehavingProcessor(work)),
                "steady");
        OffloadingConsumer aLoop = a.loop();
        await().atMost(LIMIT).until(() -> aLoop.recordsInFlight() > 0);

        int cycles = 4;
        for (int i = 1; i <= cycles; i++) {
            int cycle = i;
            RunningConsumer joiner = RunningConsumer.start(new OffloadingConsumer(settings,
                    new MisbehavingProcessor(work)), "joiner-" + i);
            await().atMost(LIMIT).until(() -> log.linesStartingWith("REVOKED", "steady").size() >= cycle);
            joiner.stop(LIMIT);
            await().atMost(LIMIT).until(() -> log.linesStartingWith("ASSIGNED", "steady").size() >= cycle + 1);
        }

        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            assertThat(aLoop.isRunning()).as("the loop survived every rebalance").isTrue();
            await().atMost(LIMIT).until(() -> aLoop.stuckWorkers() == 0);
            RunStats stats = a.stop(LIMIT);
            assertThat(stats.abandonedRecords()).as("revocations gave up records still running").isPositive();
            assertThat(stats.rebalances()).isGreaterThanOrEqualTo(cycles);
        }
        assertThat(log.lines()).noneMatch(l -> l.contains("RejectedExecutionException"));
    }

    @Test
    void pollThreadWaitsTheFullPollTimeoutWhileWorkRunsAndEachFinishedRecordWakesItUp(@TempDir Path dir)
            throws Exception {
        int sent = 16;
        String topic = BROKER.fixture().topicWith(1, sent);
        Duration work = Duration.ofMillis(300);
        Path gaps = dir.resolve("gaps.csv");
        ConsumerSettings settings = settings(topic, Fixture.unique("wakeup"), GroupProtocol.CLASSIC, 1400, work, 1)
                .withWork(work, 1, sent, LIMIT).withPollGaps(gaps);
        MisbehavingProcessor processor = new MisbehavingProcessor(work);

        long startedAt = System.nanoTime();
        RunStats stats = RunningConsumer.start(new OffloadingConsumer(settings, processor), "waking").awaitEnd(LIMIT);
        long wallMs = (System.nanoTime() - startedAt) / 1_000_000;

        assertThat(stats.records()).isEqualTo(sent);
        long polls = Files.readAllLines(gaps).size() - 1;
        // 16 x 300 ms of work: polling every 5 ms, as the consumer did, was ~960 polls; 100 ms polls are a few dozen.
        assertThat(polls).as("polls in the run").isLessThan(160);
        // One record at a time on one partition: the next starts when the poll thread hears that the last finished.
        // Woken at once, that is a few ms plus the machine's delays; waiting for a 100 ms poll to time out, anywhere
        // from 0 to 100 ms plus the same delays, half of them past 50 ms. So three in four under half the poll
        // timeout: a consumer that waited out its polls would show that about once in fifty runs, not each time.
        List<Long> handOffs = new java.util.ArrayList<>();
        for (int o = 1; o < sent; o++) {
            long previousEnd = processor.attemptStarts(topic + "-0@" + (o - 1)).get(0) + work.toNanos();
            handOffs.add((processor.attemptStarts(topic + "-0@" + o).get(0) - previousEnd) / 1_000_000);
        }
        handOffs.sort(null);
        long halfAPoll = PollLoop.POLL_TIMEOUT.toMillis() / 2;
        assertThat(handOffs).as("ms from a record's end to the next start").filteredOn(ms -> ms < halfAPoll)
                .hasSizeGreaterThanOrEqualTo(handOffs.size() * 3 / 4);
        // The poll thread's own CPU time is measured (-1 where the JVM cannot), and one thread's CPU time cannot
        // exceed the run's wall time: the process's CPU, or nanoseconds taken for ms, would.
        SummaryLine summary = SummaryLine.parse(log.linesStartingWith("SUMMARY").get(0));
        assertThat(summary.getLong("poll_cpu_ms")).as("CPU ms of the poll thread").isBetween(0L, wallMs);
    }
}
