package dev.starvation.kafka.consume;

import dev.starvation.kafka.ops.RunStats;
import java.util.Collection;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs every rebalance callback on one line ({@code ASSIGNED}, {@code REVOKED}, {@code LOST}), counts the ones that
 * take partitions away, then hands the callback to the consumer's own listener.
 */
public final class RebalanceLogger implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(RebalanceLogger.class);

    private final RunStats stats;
    private final ConsumerRebalanceListener next;
    private boolean assignedOnce;
    private boolean closing;

    /** Counts into {@code stats} and then calls {@code next}. */
    public RebalanceLogger(RunStats stats, ConsumerRebalanceListener next) {
        this.stats = stats;
        this.next = next;
    }

    /** From now on revocations come from our own close(), not from a rebalance: log them, do not count them. */
    public void closing() {
        closing = true;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            assignedOnce = true;
            LOG.info("ASSIGNED {}", names(partitions));
        }
        next.onPartitionsAssigned(partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        taken("REVOKED", partitions);
        next.onPartitionsRevoked(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        taken("LOST", partitions);
        next.onPartitionsLost(partitions);
    }

    private void taken(String word, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        LOG.info("{} {}{}", word, names(partitions), closing ? " (closing)" : "");
        if (assignedOnce && !closing) {
            stats.rebalanced();
        }
    }

    /** Partitions as {@code [jobs-0, jobs-1]}, sorted. */
    static String names(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::toString).sorted().collect(Collectors.joining(", ", "[", "]"));
    }
}
