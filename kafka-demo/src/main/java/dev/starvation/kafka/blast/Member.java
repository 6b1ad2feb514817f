package dev.starvation.kafka.blast;

import dev.starvation.kafka.consume.RebalanceLogger;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a blast group, on a thread of its own: the plain loop most applications run (poll, process each record
 * on the poll thread, commit the batch), committing what it processed when partitions are revoked and nothing when they
 * are lost. Member 1 sleeps once inside its loop, in the middle of a batch.
 */
final class Member implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Member.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    private final BlastSettings settings;
    private final String bootstrapServers;
    private final String group;
    private final GroupLedger ledger;
    private final int index;
    private final MemberStats stats;
    private final Map<TopicPartition, Long> processedUpTo = new HashMap<>();
    private volatile boolean stopRequested;
    private volatile boolean closing;
    private boolean starvedOnce;
    private KafkaConsumer<String, String> consumer;

    Member(BlastSettings settings, String bootstrapServers, String group, GroupLedger ledger, int index) {
        this.settings = settings;
        this.bootstrapServers = bootstrapServers;
        this.group = group;
        this.ledger = ledger;
        this.index = index;
        this.stats = new MemberStats(ledger.setup().label() + "-" + index, index == 1);
    }

    String name() {
        return stats.name();
    }

    MemberStats stats() {
        return stats;
    }

    /** Asks the loop to stop after the record in hand; it commits what it processed and leaves the group. */
    void stop() {
        stopRequested = true;
    }

    @Override
    public void run() {
        try (KafkaConsumer<String, String> kafka = new KafkaConsumer<>(
                ledger.setup().kafkaProperties(settings, bootstrapServers, group, name()))) {
            consumer = kafka;
            RebalanceLogger listener = new RebalanceLogger(new RunStats(), new Callbacks());
            kafka.subscribe(List.of(settings.topic()), listener);
            while (!stopRequested) {
                ConsumerRecords<String, String> records = kafka.poll(POLL_TIMEOUT);
                ledger.generation(kafka.groupMetadata().generationId(), name());
                if (!records.isEmpty()) {
                    process(records);
                    commit(Map.copyOf(processedUpTo));
                }
            }
            closing = true;
            listener.closing();
            kafka.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The group goes on without it; the drain then says what it left uncommitted.
            LOG.error("MEMBER {} stopped: {}", name(), e.toString());
        }
    }

    private void process(ConsumerRecords<String, String> records) throws InterruptedException {
        for (ConsumerRecord<String, String> record : records) {
            if (stopRequested) {
                return;
            }
            starveIfDue(records);
            Thread.sleep(settings.processTime().toMillis());
            long latency = System.currentTimeMillis() - record.timestamp();
            ledger.processed(record.partition(), record.offset(), latency);
            stats.processed(System.nanoTime(), latency, ledger.feedStartNanos(), ledger.starveFromNanos(),
                    ledger.feedEndNanos());
            processedUpTo.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
        }
    }

    /** Member 1, once, in the middle of a batch: asleep inside the poll loop, like a long GC pause or a stuck call. */
    private void starveIfDue(ConsumerRecords<String, String> batch) throws InterruptedException {
        long feedStart = ledger.feedStartNanos();
        if (!stats.starved() || starvedOnce || feedStart < 0
                || System.nanoTime() - feedStart < settings.starveAt().toNanos()) {
            return;
        }
        starvedOnce = true;
        LOG.info("STARVE {} asleep for {} ms inside its poll loop, holding {} records of {} not committed"
                + " (max.poll.interval.ms {})", name(), settings.starve().toMillis(), batch.count(),
                names(batch.partitions()), settings.maxPollIntervalMs());
        ledger.starveBegan(batch.count());
        long t0 = System.nanoTime();
        Thread.sleep(settings.starve().toMillis());
        ledger.starveEnded();
        LOG.info("STARVE {} awake after {} ms: it finishes its batch and commits before it polls again", name(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    private void commit(Map<TopicPartition, Long> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> commit = offsets.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())));
        try {
            consumer.commitSync(commit, COMMIT_TIMEOUT);
            offsets.forEach(processedUpTo::remove);
        } catch (KafkaException e) {
            // Kept: a later batch's commit, or the revocation's, carries these offsets again.
            if (stats.commitFailed(e) == 1) {
                LOG.info("COMMIT failed {} ({}, first of its kind here; all are counted): {}",
                        e.getClass().getSimpleName(), name(), e.getMessage());
            }
        }
    }

    private static String names(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::toString).sorted()
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static Set<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
    }

    /** Keeps the ledger's view of who holds what, and counts what the starvation took from and gave to this member. */
    private final class Callbacks implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            ledger.assigned(index, numbers(partitions));
            if (ledger.starvationBegan() && !closing) {
                Set<Integer> before = ledger.heldBefore(index);
                partitions.stream().filter(tp -> !before.contains(tp.partition())).forEach(tp -> stats.reassigned());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> done = new HashMap<>();
            partitions.forEach(tp -> {
                Long next = processedUpTo.get(tp);
                if (next != null) {
                    done.put(tp, next);
                }
            });
            commit(done);
            taken(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // Another member may hold them already: committing now could move its offsets back.
            taken(partitions);
        }

        private void taken(Collection<TopicPartition> partitions) {
            partitions.forEach(processedUpTo::remove);
            ledger.removed(index, numbers(partitions));
            if (!ledger.starvationBegan() || closing) {
                return;
            }
            Set<Integer> before = ledger.heldBefore(index);
            partitions.forEach(tp -> {
                if (before.contains(tp.partition())) {
                    stats.revoked();
                } else {
                    stats.handedBack();
                }
            });
        }
    }
}
