package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.LogCapture;
import dev.starvation.kafka.broker.EmbeddedBroker;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
                // Work is repeated only past what was committed when the member lost its partitions (an outage longer
                // than the session throws it out; the commits of work it finished meanwhile failed): nothing committed
                // is done again.
                Map<String, Long> committedAtLoss = committedBeforeTheFirstLoss(log.linesStartingWith("", "survivor"));
                assertThat(stats.timesProcessed()).allSatisfy((id, times) -> {
                    if (times > 1) {
                        String partition = id.substring(0, id.lastIndexOf('@'));
                        long offset = Long.parseLong(id.substring(id.lastIndexOf('@') + 1));
                        assertThat(offset).as("%s processed %d times", id, times)
                                .isGreaterThanOrEqualTo(committedAtLoss.getOrDefault(partition, 0L));
                    }
                });
            }
            // The monitor may see the broker come and go more than once while it starts: at least one outage, and the
            // last word is that it is back.
            List<String> outage = log.lines().stream().filter(l -> l.startsWith("BROKER unreachable at "
                    + broker.bootstrapServers()) || l.startsWith("BROKER back at " + broker.bootstrapServers())).toList();
            assertThat(outage).isNotEmpty().first().asString().startsWith("BROKER unreachable");
            assertThat(outage).last().asString().startsWith("BROKER back");
        }
    }

    private static final Pattern COMMITTED = Pattern.compile("(\\S+-\\d+)=(\\d+)");

    /**
     * The offsets the poll thread's {@code COMMIT ok} lines committed before it first lost or gave up its partitions
     * (all of them if it never did), by {@code topic-partition}.
     */
    private static Map<String, Long> committedBeforeTheFirstLoss(List<String> pollThreadLines) {
        Map<String, Long> committed = new HashMap<>();
        for (String line : pollThreadLines) {
            if ((line.startsWith("LOST [") || line.startsWith("REVOKED [")) && !line.endsWith("(closing)")) {
                break;
            }
            if (line.startsWith("COMMIT ok ")) {
                Matcher m = COMMITTED.matcher(line);
                while (m.find()) {
                    committed.merge(m.group(1), Long.parseLong(m.group(2)), Math::max);
                }
            }
        }
        return committed;
    }
}
