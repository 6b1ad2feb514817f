package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.ops.RunStats;
import dev.starvation.kafka.ordering.CommitMetadata;
import dev.starvation.kafka.ordering.Ordering;
import dev.starvation.kafka.produce.JobProducer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetMetadataTooLarge;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The offloading consumer's orderings on a real broker: in key mode different keys run at once and each key's records
 * one at a time in offset order; in partition mode one record per partition; commits never pass unfinished work; and a
 * partition handed over mid-flight is resumed without redoing what had finished above the commit.
 */
class KeyOrderingTest {

    private static final int INTERVAL_MS = 1400;
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Duration WORK = Duration.ofMillis(150);

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();
    @RegisterExtension
    final LogExtension log = new LogExtension();
    @RegisterExtension
    final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    private static ConsumerSettings offload(String topic, String group, GroupProtocol protocol, int workers,
            Ordering ordering) {
        return BROKER.fixture().settings(topic, group, Mode.OFFLOAD, protocol, INTERVAL_MS, WORK, workers, LIMIT)
                .withOrdering(ordering, ConsumerSettings.DEFAULT_MAX_BUFFERED);
    }

    /** A topic of {@code records} spread round robin over {@code partitions}, record i keyed {@code k<i mod keys>}. */
    private static String keyedTopic(int partitions, int records, int keys) {
        String topic = Fixture.unique("keyed");
        Topics.ensure(BROKER.bootstrapServers(), topic, partitions);
        new JobProducer(BROKER.bootstrapServers())
                .send(topic, 0, records, i -> "k" + (i % keys), i -> "job-" + i);
        return topic;
    }

    /**
     * One offloading consumer (classic, 4 workers, {@code ordering}) over a new keyed topic until the broker says
     * everything is committed; offset 0 of each partition takes {@code slowFirst}, the others {@link #WORK}.
     */
    private static RunStats consumeAll(int partitions, int records, int keys, Ordering ordering, Duration slowFirst,
            Timeline timeline) throws Exception {
        String topic = keyedTopic(partitions, records, keys);
        String group = Fixture.unique("ordered");
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(
                    offload(topic, group, GroupProtocol.CLASSIC, 4, ordering),
                    timeline.processor(WORK, slowFirst, r -> r.offset() == 0)), "ordered");
            try {
                await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            } finally {
                consumer.stop(LIMIT);
            }
            return consumer.stats();
        }
    }

    @Test
    void inKeyModeDifferentKeysRunAtOnceAndEachKeysRecordsOneAtATimeInOffsetOrder() throws Exception {
        // One partition, 5 keys, 4 workers: what partition mode would run one by one.
        Timeline timeline = new Timeline();
        RunStats stats = consumeAll(1, 40, 5, Ordering.KEY, WORK, timeline);

        assertThat(timeline.runs()).hasSize(40);
        assertThat(Timeline.orderViolations(timeline.byLane(Timeline.Run::key))).isEmpty();
        assertThat(timeline.maxConcurrent()).as("records of different keys ran at the same time").isGreaterThan(1);
        assertThat(Ledger.of(stats).commitsOfUnfinishedWork(Set.of())).isEmpty();
        assertThat(stats.duplicates()).isZero();
    }

    @Test
    void inPartitionModeOneRecordPerPartitionRunsAtATimeInOffsetOrder() throws Exception {
        Timeline timeline = new Timeline();
        RunStats stats = consumeAll(2, 24, 24, Ordering.PARTITION, WORK, timeline);

        assertThat(timeline.runs()).hasSize(24);
        assertThat(Timeline.orderViolations(timeline.byLane(Timeline.Run::partition))).isEmpty();
        assertThat(timeline.maxConcurrent()).as("one per partition, two partitions").isLessThanOrEqualTo(2);
        assertThat(Ledger.of(stats).commitsOfUnfinishedWork(Set.of())).isEmpty();
    }

    @Test
    void aSlowRecordHoldsTheCommitWhileLaterRecordsOfOtherKeysFinishAndNoCommitPassesIt() throws Exception {
        Timeline timeline = new Timeline();
        RunStats stats = consumeAll(1, 30, 30, Ordering.KEY, Duration.ofMillis(2500), timeline);

        long slowEnd = timeline.runs().get(0).endNanos();
        long finishedBeforeIt = timeline.runs().stream().filter(r -> r.endNanos() < slowEnd).count();
        assertThat(finishedBeforeIt).as("records behind the slow one kept flowing").isGreaterThanOrEqualTo(10);
        List<String> early = stats.commits().stream()
                .filter(c -> c.atNanos() < slowEnd && c.nextOffset() > 0)
                .map(c -> c.partition() + "=" + c.nextOffset()).toList();
        assertThat(early).as("no commit past offset 0 while it ran").isEmpty();
        assertThat(Ledger.of(stats).commitsOfUnfinishedWork(Set.of())).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aSecondMemberJoiningMidFlightRedoesOnlyTheRecordsInFlightAtTheHandOver(GroupProtocol protocol)
            throws Exception {
        // Two partitions; offset 0 of each is slow (6 s) and holds the commit offset, 150 ms for the others.
        int sent = 40;
        String topic = keyedTopic(2, sent, sent);
        String group = Fixture.unique("key-handover");
        Timeline timeline = new Timeline();
        ConsumerSettings settings = offload(topic, group, protocol, 4, Ordering.KEY);
        Processor processor = timeline.processor(WORK, Duration.ofMillis(6000), r -> r.offset() == 0);

        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            Map<TopicPartition, Long> ends = probe.endOffsets(topic);
            RunningConsumer first = RunningConsumer.start(new OffloadingConsumer(settings, processor), "first");
            first.awaitProcessed(8, LIMIT);
            RunningConsumer second = RunningConsumer.start(new OffloadingConsumer(settings, processor), "second");
            try {
                await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
            } finally {
                second.stop(LIMIT);
                first.stop(LIMIT);
            }
            Ledger ledger = Ledger.of(first.stats(), second.stats());

            assertThat(ledger.records()).as("nothing lost").isEqualTo(Ledger.recordsIn(ends));
            assertThat(ledger.rebalances()).as("the first member gave a partition away").isPositive();
            assertThat(second.stats().skippedRecords())
                    .as("the second member skipped records the first had finished above the commit").isPositive();
            assertThat(log.linesStartingWith("RESUME ")).isNotEmpty();
            Set<String> abandoned = log.linesStartingWith("ABANDONED ").stream()
                    .map(l -> l.split(" ")[2].replace(":", "")).collect(Collectors.toCollection(TreeSet::new));
            Set<String> redone = ledger.timesProcessed().entrySet().stream().filter(e -> e.getValue() > 1)
                    .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
            assertThat(redone).as("only records in flight at the hand-over ran twice").isSubsetOf(abandoned);
            assertThat(ledger.duplicates()).isLessThanOrEqualTo(ledger.abandoned());
            assertThat(ledger.commitsOfUnfinishedWork(Set.of())).isEmpty();
        }
    }

    @Test
    void theBrokerTakesCommitMetadataUpToItsDefaultLimitOf4096BytesAndRefusesMore() throws Exception {
        String topic = keyedTopic(1, 1, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKER.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, Fixture.unique("metadata-limit"));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.assign(List.of(tp));
            String atLimit = "x".repeat(CommitMetadata.BROKER_LIMIT);

            consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1, atLimit)), Duration.ofSeconds(10));
            assertThat(consumer.committed(Set.of(tp), Duration.ofSeconds(10)).get(tp).metadata()).isEqualTo(atLimit);
            assertThatThrownBy(() -> consumer.commitSync(Map.of(tp, new OffsetAndMetadata(1, atLimit + "x")),
                    Duration.ofSeconds(10))).isInstanceOf(OffsetMetadataTooLarge.class);
        }
    }
}
