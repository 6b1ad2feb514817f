package dev.starvation.kafka.share;

import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Waiting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * What the broker says a share group has finished, per partition, from {@code Admin.listShareGroupOffsets}: the
 * share-partition start offset (every record below it is finished: acknowledged or archived) and the lag (records at
 * or above it not finished yet). The broker does not say which finished records were acknowledged and which archived.
 */
final class ShareProgress implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Admin admin;

    /** One partition as the broker sees it. {@code start} is -1 until the group has read the partition. */
    record PartitionState(TopicPartition partition, long earliest, long end, long start, Optional<Long> lag) {

        /** Records of the partition the broker has finished: below the start offset, or after it and not lagging. */
        long finished() {
            if (start < 0) {
                return 0;
            }
            return lag.map(l -> Math.max(0, end - earliest - l)).orElse(Math.max(0, start - earliest));
        }

        /** Whether the broker has finished the record at {@code offset}, as far as it tells per record. */
        boolean finished(long offset) {
            return start >= 0 && (offset < start || (lag.isPresent() && lag.get() == 0 && offset < end));
        }

        /** As logged: {@code jobs-0 start offset 4, end 4, lag 0}. */
        @Override
        public String toString() {
            return partition + " start offset " + (start < 0 ? "none yet" : start) + ", end " + end + ", lag "
                    + lag.map(String::valueOf).orElse("unknown");
        }
    }

    ShareProgress(String bootstrapServers) {
        this.admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, TIMEOUT));
    }

    /** Every partition of {@code topic} as the broker sees it for {@code group} now. */
    List<PartitionState> read(String group, String topic) {
        int count = Waiting.get(admin.describeTopics(List.of(topic)).allTopicNames(), TIMEOUT,
                "cannot describe topic " + topic).get(topic).partitions().size();
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        Map<TopicPartition, Long> earliest = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, Long> end = offsets(partitions, OffsetSpec.latest());
        ListShareGroupOffsetsSpec spec = new ListShareGroupOffsetsSpec().topicPartitions(partitions);
        Map<TopicPartition, SharePartitionOffsetInfo> starts = Waiting.get(
                admin.listShareGroupOffsets(Map.of(group, spec)).partitionsToOffsetInfo(group), TIMEOUT,
                "cannot list the share group offsets of " + group);
        List<PartitionState> states = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            SharePartitionOffsetInfo info = starts.get(tp);
            long start = info == null ? -1 : info.startOffset();
            Optional<Long> lag = info == null ? Optional.empty() : info.lag().filter(l -> l >= 0);
            states.add(new PartitionState(tp, earliest.get(tp), end.get(tp), start, lag));
        }
        return states;
    }

    /** Records of {@code topic} the broker has finished for {@code group}. */
    long finished(String group, String topic) {
        return read(group, topic).stream().mapToLong(PartitionState::finished).sum();
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos = Waiting.get(
                admin.listOffsets(request).all(), TIMEOUT, "cannot list offsets of " + partitions);
        Map<TopicPartition, Long> result = new HashMap<>();
        infos.forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
