package dev.starvation.kafka.streams;

import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Waiting;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListStreamsGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.GroupProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the application makes progress, as the broker sees it: every {@link #EVERY} it reads the group's committed
 * offsets on the input topic and the topic's end offsets. The lag is the records not committed; "no progress" is a
 * positive lag while the committed offsets have not moved for the progress deadline: the RUNNING-but-stuck case that
 * {@code KafkaStreams.state()} cannot show.
 */
final class InputProgress implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InputProgress.class);
    static final Duration EVERY = Duration.ofMillis(500);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final StreamsSettings settings;
    private final Admin admin;
    private final List<TopicPartition> partitions;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "streams-progress");
        t.setDaemon(true);
        return t;
    });
    private volatile long committed = -1;
    private volatile long lag;
    private volatile long end = -1;
    private volatile long lastAdvanceNanos = System.nanoTime();

    InputProgress(StreamsSettings settings, int partitionCount) {
        this.settings = settings;
        this.admin = Admin.create(BrokerCheck.adminProperties(settings.bootstrapServers(), TIMEOUT));
        this.partitions = java.util.stream.IntStream.range(0, partitionCount)
                .mapToObj(p -> new TopicPartition(settings.topic(), p)).toList();
    }

    InputProgress start() {
        timer.scheduleWithFixedDelay(this::measure, 0, EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void measure() {
        try {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            end = Waiting.get(admin.listOffsets(latest).all(), TIMEOUT, "end offsets").values().stream()
                    .mapToLong(i -> i.offset()).sum();
            long now = committedOffsets();
            if (now > committed) {
                committed = now;
                lastAdvanceNanos = System.nanoTime();
            }
            lag = end - now;
        } catch (RuntimeException e) {
            LOG.debug("progress check failed: {}", e.toString());
        }
    }

    private long committedOffsets() {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        if (settings.protocol() == GroupProtocol.STREAMS) {
            offsets = Waiting.get(admin.listStreamsGroupOffsets(Map.of(settings.applicationId(),
                    new ListStreamsGroupOffsetsSpec().topicPartitions(partitions))).partitionsToOffsetAndMetadata(
                    settings.applicationId()), TIMEOUT, "committed offsets");
        } else {
            offsets = Waiting.get(admin.listConsumerGroupOffsets(Map.of(settings.applicationId(),
                    new ListConsumerGroupOffsetsSpec().topicPartitions(partitions))).partitionsToOffsetAndMetadata(
                    settings.applicationId()), TIMEOUT, "committed offsets");
        }
        return offsets.values().stream().mapToLong(o -> o == null ? 0 : o.offset()).sum();
    }

    /** Why a liveness probe should fail: records waiting and nothing committed for the progress deadline. */
    Optional<String> stuck() {
        long quietMs = (System.nanoTime() - lastAdvanceNanos) / 1_000_000;
        if (lag > 0 && quietMs > settings.progressDeadline().toMillis()) {
            return Optional.of("input lag " + lag + " records and nothing committed on " + settings.topic() + " for "
                    + quietMs + " ms (--progress-deadline " + settings.progressDeadline().toMillis() + " ms)");
        }
        return Optional.empty();
    }

    /** Records in the input topic at the last look (-1 before the first). */
    long endOffsets() {
        return end;
    }

    /** Input offsets committed so far, summed over the partitions (-1 before the first look). */
    long committed() {
        return committed;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
