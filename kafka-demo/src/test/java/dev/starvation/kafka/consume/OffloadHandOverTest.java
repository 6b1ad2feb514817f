package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.ops.RunStats;
import dev.starvation.kafka.ordering.CommitMetadata;
import java.time.Duration;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What a partition's next owner gets from what the group committed: metadata whose offset was moved, and the leader
 * epoch. Each test reads the broker's commits and the consumer's own lines.
 */
class OffloadHandOverTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Duration WORK = Duration.ofMillis(20);

    @RegisterExtension
    static final KafkaDemoExtension KAFKA = new KafkaDemoExtension();

    private static ConsumerSettings settings(String topic, String group, GroupProtocol protocol) {
        return KAFKA.fixture().settings(topic, group, Mode.OFFLOAD, protocol, 3000, WORK, 2, LIMIT);
    }

    /** Runs one offloading consumer until the broker says every record of {@code topic} is committed. */
    private static RunStats consumeAll(KafkaProbe probe, String topic, String group, GroupProtocol protocol)
            throws Exception {
        Map<TopicPartition, Long> ends = probe.endOffsets(topic);
        RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings(topic, group, protocol),
                new Timeline().processor(WORK, WORK, r -> false)), group);
        await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
        return consumer.stop(LIMIT);
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void commitMetadataWhoseOffsetWasMovedIsIgnoredSoNothingIsSkippedOrLost(GroupProtocol protocol) throws Exception {
        String topic = KAFKA.fixture().topicWith(1, 6);
        String group = Fixture.unique("moved");
        TopicPartition p0 = new TopicPartition(topic, 0);
        // A previous owner committed offset 2 with 4 and 5 finished above it; then an offset sync (MirrorMaker 2, a
        // reset tool) moved the offset to 0 and kept the metadata.
        SortedSet<Long> finishedAboveTwo = new TreeSet<>(java.util.List.of(4L, 5L));
        String metadata = CommitMetadata.encode(2, finishedAboveTwo, CommitMetadata.BROKER_LIMIT).orElseThrow();
        try (KafkaProbe probe = new KafkaProbe(KAFKA.bootstrapServers())) {
            probe.commitAsATool(group, Map.of(p0, new OffsetAndMetadata(0, metadata)));

            RunStats stats = consumeAll(probe, topic, group, protocol);

            assertThat(stats.records()).as("every record from offset 0 on processed").isEqualTo(6);
            assertThat(stats.skippedRecords()).as("nothing skipped on the word of metadata written for offset 2").isZero();
            assertThat(probe.committed(group)).containsEntry(p0, 6L);
        }
        assertThat(KAFKA.linesStartingWith("SKIP")).isEmpty();
        assertThat(KAFKA.linesStartingWith("RESUME " + topic + "-0 at offset 0")).singleElement().asString()
                .contains("metadata was written for offset 2").contains("nothing is skipped");
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void commitsCarryTheLeaderEpochOfTheirPartitionSoTheNextOwnerCanDetectATruncatedLog(GroupProtocol protocol)
            throws Exception {
        String topic = KAFKA.fixture().topicWith(2, 6);
        String group = Fixture.unique("epoch");
        try (KafkaProbe probe = new KafkaProbe(KAFKA.bootstrapServers())) {
            consumeAll(probe, topic, group, protocol);

            assertThat(probe.commits(group)).hasSize(2).allSatisfy((tp, om) -> {
                assertThat(om.offset()).isEqualTo(3);
                assertThat(om.leaderEpoch()).as("leader epoch of %s's commit", tp).isPresent();
            });
        }
    }
}
