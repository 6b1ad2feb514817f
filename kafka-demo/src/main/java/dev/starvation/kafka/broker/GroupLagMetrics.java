package dev.starvation.kafka.broker;

import dev.starvation.common.metrics.PrometheusMetrics;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListGroupsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer-group lag seen from the broker, under kafka_exporter's metric names ({@code kafka_consumergroup_lag},
 * {@code kafka_consumergroup_current_offset}, {@code kafka_consumergroup_members},
 * {@code kafka_topic_partition_current_offset}), so rules written for it work here and the other way round. Read
 * through the Admin API at each scrape: the groups' committed offsets against the partitions' end offsets. These series
 * outlive the consumer: when its process stalls or dies, the lag keeps being reported.
 */
public final class GroupLagMetrics implements AutoCloseable {

    private final Admin admin;
    private final Duration timeout;
    private final PrometheusMetrics metrics = new PrometheusMetrics();
    private final MultiGauge lag;
    private final MultiGauge committed;
    private final MultiGauge members;
    private final MultiGauge endOffsets;

    /** Reads the broker at {@code bootstrapServers}; each Admin call waits at most {@code timeout}. */
    public GroupLagMetrics(String bootstrapServers, Duration timeout) {
        this.admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, timeout));
        this.timeout = timeout;
        this.lag = MultiGauge.builder("kafka.consumergroup.lag")
                .description("Records of a partition the group has not committed yet: end offset - committed offset")
                .register(metrics.registry());
        this.committed = MultiGauge.builder("kafka.consumergroup.current.offset")
                .description("The group's committed offset of a partition")
                .register(metrics.registry());
        this.members = MultiGauge.builder("kafka.consumergroup.members")
                .description("Members of the group now")
                .register(metrics.registry());
        this.endOffsets = MultiGauge.builder("kafka.topic.partition.current.offset")
                .description("End offset of a partition that some group has committed on")
                .register(metrics.registry());
    }

    /** The answer to a scrape: the groups read now, then every meter in Prometheus's text format. */
    public String scrape() {
        refresh();
        return metrics.scrape();
    }

    /**
     * Reads every consumer group's committed offsets and member count and the end offsets of their partitions; a group
     * gone since the last read disappears from the series.
     *
     * @throws IllegalStateException naming the Admin call that failed or timed out
     */
    public synchronized void refresh() {
        Collection<GroupListing> groups = Waiting.get(
                admin.listGroups(ListGroupsOptions.forConsumerGroups()).all(), timeout, "listing consumer groups");
        Map<String, ListConsumerGroupOffsetsSpec> specs = new TreeMap<>();
        groups.forEach(g -> specs.put(g.groupId(), new ListConsumerGroupOffsetsSpec()));
        Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = specs.isEmpty() ? Map.of()
                : Waiting.get(admin.listConsumerGroupOffsets(specs).all(), timeout, "reading the groups' offsets");
        Map<String, ConsumerGroupDescription> descriptions = specs.isEmpty() ? Map.of()
                : Waiting.get(admin.describeConsumerGroups(specs.keySet()).all(), timeout, "describing the groups");

        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        offsets.values().forEach(byPartition -> byPartition.forEach((tp, om) -> {
            if (om != null) {
                latest.put(tp, OffsetSpec.latest());
            }
        }));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                : Waiting.get(admin.listOffsets(latest).all(), timeout, "reading the partitions' end offsets");

        List<MultiGauge.Row<?>> lagRows = new ArrayList<>();
        List<MultiGauge.Row<?>> committedRows = new ArrayList<>();
        offsets.forEach((group, byPartition) -> byPartition.forEach((tp, om) -> {
            ListOffsetsResult.ListOffsetsResultInfo end = ends.get(tp);
            if (om == null || end == null) {
                // No commit yet on this partition: kafka_exporter reports nothing either.
                return;
            }
            Tags tags = Tags.of("consumergroup", group, "topic", tp.topic(), "partition",
                    String.valueOf(tp.partition()));
            committedRows.add(MultiGauge.Row.of(tags, om.offset()));
            lagRows.add(MultiGauge.Row.of(tags, Math.max(0, end.offset() - om.offset())));
        }));
        List<MultiGauge.Row<?>> memberRows = new ArrayList<>();
        descriptions.forEach((group, d) -> memberRows.add(MultiGauge.Row.of(Tags.of("consumergroup", group),
                d.members().size())));
        List<MultiGauge.Row<?>> endRows = new ArrayList<>();
        ends.forEach((tp, end) -> endRows.add(MultiGauge.Row.of(Tags.of("topic", tp.topic(), "partition",
                String.valueOf(tp.partition())), end.offset())));
        lag.register(lagRows, true);
        committed.register(committedRows, true);
        members.register(memberRows, true);
        endOffsets.register(endRows, true);
    }

    @Override
    public void close() {
        admin.close(timeout);
        metrics.close();
    }
}
