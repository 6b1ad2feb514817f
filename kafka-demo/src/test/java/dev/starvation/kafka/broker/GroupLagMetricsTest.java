package dev.starvation.kafka.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.metrics.PrometheusText;
import dev.starvation.common.metrics.PrometheusTools;
import dev.starvation.common.metrics.Promtool;
import dev.starvation.kafka.produce.JobProducer;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker-side lag a user of kafka_exporter would alert on: a group's committed offsets against the end offsets,
 * read through the Admin API, under kafka_exporter's names; promtool's linter finds nothing to fix in the scrape.
 */
class GroupLagMetricsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.onPort(0);
        broker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void lagIsTheEndOffsetLessTheCommittedOneAndGrowsWhileNothingIsCommitted() throws Exception {
        String topic = "lag-" + System.nanoTime();
        Topics.ensure(broker.bootstrapServers(), topic, 2);
        new JobProducer(broker.bootstrapServers()).send(topic, 0, 6, i -> "job-" + i);
        TopicPartition p0 = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(broker.bootstrapServers(), TIMEOUT));
             GroupLagMetrics metrics = new GroupLagMetrics(broker.bootstrapServers(), TIMEOUT)) {
            Waiting.get(admin.alterConsumerGroupOffsets("stalled", Map.of(p0, new OffsetAndMetadata(1))).all(),
                    TIMEOUT, "committing for the test");
            long end = Waiting.get(admin.listOffsets(Map.of(p0, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .all(), TIMEOUT, "end offset").get(p0).offset();

            PrometheusText before = PrometheusText.parse(metrics.scrape());
            assertThat(value(before, "kafka_consumergroup_lag", topic)).isEqualTo(end - 1);
            assertThat(value(before, "kafka_consumergroup_current_offset", topic)).isEqualTo(1);
            assertThat(value(before, "kafka_topic_partition_current_offset", topic)).isEqualTo(end);
            assertThat(before.all("kafka_consumergroup_members")).anySatisfy(s -> {
                assertThat(s.label("consumergroup")).isEqualTo("stalled");
                assertThat(s.value()).isZero();
            });

            new JobProducer(broker.bootstrapServers()).send(topic, 100, 20, i -> "more-" + i);
            PrometheusText after = PrometheusText.parse(metrics.scrape());
            assertThat(value(after, "kafka_consumergroup_lag", topic)).as("nobody committed: the lag grew")
                    .isGreaterThan(value(before, "kafka_consumergroup_lag", topic));
            assertThat(value(after, "kafka_consumergroup_current_offset", topic)).isEqualTo(1);

            if (PrometheusTools.promtool().isPresent()) {
                Promtool.Result lint = Promtool.checkMetrics(metrics.scrape());
                assertThat(lint.exit()).as(lint.output()).isZero();
            }
        }
    }

    @Test
    void aBrokerThatDoesNotAnswerIsNamedInTheError() {
        try (GroupLagMetrics metrics = new GroupLagMetrics("127.0.0.1:1", Duration.ofMillis(500))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(metrics::refresh)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("listing consumer groups");
        }
    }

    private static double value(PrometheusText text, String name, String topic) {
        return text.all(name).stream()
                .filter(s -> topic.equals(s.label("topic")) && "0".equals(s.label("partition"))
                        && (s.label("consumergroup") == null || "stalled".equals(s.label("consumergroup"))))
                .mapToDouble(PrometheusText.Sample::value).findFirst().orElseThrow(() -> new AssertionError(
                        name + " for " + topic + "-0 not in the scrape"));
    }
}
