package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.LogCapture;
import dev.starvation.kafka.broker.EmbeddedBroker;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The broker stops while the offloading consumer has records in flight, and comes back on the same port and data. */
@Tag("faults")
class BrokerRestartFaultTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();
    @RegisterExtension
    final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void brokerRestartMidRunLosesNothingAndTheConsumerLogsTheOutageAndTheRecovery(GroupProtocol protocol)
            throws Exception {
        EmbeddedBroker broker = BROKER.broker();
        Fixture fixture = BROKER.fixture();
        int sent = 24;
        String topic = fixture.topicWith(3, sent);
        String group = Fixture.unique("restart");
        Duration work = Duration.ofMillis(300);
        ConsumerSettings settings = fixture.settings(topic, group, Mode.OFFLOAD, protocol, 1400, work, 3, LIMIT);

        try (LogCapture log = LogCapture.start()) {
            RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings,
                    Processor.cpuWork(work)), "survivor");
            consumer.awaitProcessed(4, LIMIT);
            OffloadingConsumer loop = consumer.loop();
            await().atMost(LIMIT).until(() -> loop.recordsInFlight() > 0);
            broker.stop();
            await().atMost(LIMIT).until(() -> !log.linesStartingWith("BROKER unreachable").isEmpty());
            broker.start();

            try (KafkaProbe probe = new KafkaProbe(broker.bootstrapServers())) {
                Map<TopicPartition, Long> ends = probe.endOffsets(topic);
                await().atMost(LIMIT).until(() -> probe.committed(group).equals(ends));
                assertThat(loop.isRunning()).as("no crash: the loop ran through the outage").isTrue();
                RunStats stats = consumer.stop(LIMIT);

                assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(sent);
                assertThat(stats.timesProcessed().keySet()).as("every record at least once")
                        .isEqualTo(Ledger.recordsIn(ends));
                Ledger ledger = Ledger.of(stats);
                assertThat(ledger.commitsOfUnfinishedWork(Set.of())).isEmpty();
                // Work is repeated only where a partition was taken from the member during the outage.
                assertThat(ledger.duplicates()).isLessThanOrEqualTo(ledger.abandoned());
            }
            assertThat(log.linesStartingWith("BROKER unreachable at " + broker.bootstrapServers())).hasSize(1);
            assertThat(log.linesStartingWith("BROKER back at " + broker.bootstrapServers())).hasSize(1);
        }
    }
}
