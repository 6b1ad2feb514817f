package dev.starvation.kafka.consume;

import dev.starvation.kafka.broker.BrokerMonitor;
import dev.starvation.kafka.ops.PollWatchdog;
import dev.starvation.kafka.ordering.CommitMetadata;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every consumer of the demo shares: subscribe, poll until told to stop, beat the poll watchdog after each poll,
 * log each batch, close, and print the {@code SUMMARY} line once. Subclasses decide what happens to the records.
 */
public abstract class PollLoop {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    private static final AtomicInteger CLIENTS = new AtomicInteger();
    /** Short polls: the loop comes back often to hand out work and commit, and stop requests are seen quickly. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    /** The settings of this run. */
    protected final ConsumerSettings settings;
    /** The work done per record. */
    protected final Processor processor;
    /** The counts of this run. */
    protected final RunStats stats = new RunStats();
    private final String clientId;
    private volatile boolean stopRequested;
    private volatile boolean running;
    private volatile long maxPollGapMillis;

    /** A loop that will run with {@code settings} and do {@code processor}'s work. */
    protected PollLoop(ConsumerSettings settings, Processor processor) {
        this.settings = settings.validate();
        this.processor = processor;
        this.clientId = settings.mode() + "-" + CLIENTS.incrementAndGet();
    }

    /** Polls until {@link #stop()}, the expected records or the duration; returns the counts once closed. */
    public final RunStats run() {
        running = true;
        long deadline = System.nanoTime() + settings.duration().toNanos();
        try (BrokerMonitor monitor = new BrokerMonitor(settings.bootstrapServers());
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings.kafkaProperties(clientId));
             PollWatchdog watchdog = new PollWatchdog(settings.stallLimit(), settings.maxPollIntervalMs(),
                     settings.pollGaps())) {
            RebalanceLogger listener = new RebalanceLogger(stats, rebalanceListener(consumer));
            consumer.subscribe(List.of(settings.topic()), listener);
            while (!stopRequested && System.nanoTime() < deadline && !expectedDone()) {
                ConsumerRecords<String, String> records = consumer.poll(pollTimeout());
                watchdog.beat();
                if (!records.isEmpty()) {
                    LOG.info("BATCH {}", describe(records));
                    records.partitions().forEach(tp -> stats.received(tp, records.records(tp).get(0).offset()));
                    handle(consumer, records);
                }
                afterPoll(consumer);
            }
            finish(consumer, watchdog);
            listener.closing();
            maxPollGapMillis = watchdog.maxPollGapMillis();
            watchdog.close();
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } finally {
            release();
            running = false;
        }
        LOG.info("{}", stats.summary(settings.mode(), settings.protocolName(), maxPollGapMillis));
        return stats;
    }

    /** Asks the loop to stop; {@link #run()} returns once the consumer has closed. Any thread may call it. */
    public void stop() {
        stopRequested = true;
    }

    /** Whether {@link #run()} is still going. */
    public boolean isRunning() {
        return running;
    }

    /** The counts so far (final once {@link #run()} returned). */
    public RunStats stats() {
        return stats;
    }

    /** Whether a stop was asked for. */
    protected boolean stopRequested() {
        return stopRequested;
    }

    private boolean expectedDone() {
        long expect = settings.expect();
        return expect > 0 && stats.records() >= expect && stats.committedOffsets() >= expect;
    }

    /** What this consumer does on a rebalance, after it was logged. */
    protected abstract ConsumerRebalanceListener rebalanceListener(KafkaConsumer<String, String> consumer);

    /** What this consumer does with a non-empty batch, on the poll thread. */
    protected abstract void handle(KafkaConsumer<String, String> consumer, ConsumerRecords<String, String> records);

    /** How long the next poll may wait for records. */
    protected Duration pollTimeout() {
        return POLL_TIMEOUT;
    }

    /** Called on the poll thread after every poll, batch or not. */
    protected void afterPoll(KafkaConsumer<String, String> consumer) {
    }

    /** Called once when the loop ends, before the consumer closes: finish or give up work in flight. */
    protected void finish(KafkaConsumer<String, String> consumer, PollWatchdog watchdog) {
    }

    /**
     * Commits {@code offsets} synchronously on the poll thread and logs {@code COMMIT ok {jobs-0=5}} or
     * {@code COMMIT failed <exception>: <message>}.
     *
     * @return whether the broker accepted the commit
     */
    protected boolean commit(KafkaConsumer<String, String> consumer, Map<TopicPartition, OffsetAndMetadata> offsets,
            Duration timeout) {
        if (offsets.isEmpty()) {
            return true;
        }
        try {
            consumer.commitSync(offsets, timeout);
        } catch (InterruptException | WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("COMMIT failed {}: {}", e.getClass().getSimpleName(), e.getMessage());
            stats.commitFailed();
            return false;
        }
        LOG.info("COMMIT ok {}", format(offsets));
        stats.committed(offsets);
        return true;
    }

    /**
     * Offsets as {@code {jobs-0=5, jobs-1=3}}, sorted by partition; with {@code (+N done above)} where the metadata
     * carries records finished above the offset.
     */
    static String format(Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<String, String> sorted = new TreeMap<>();
        offsets.forEach((tp, om) -> {
            int above = CommitMetadata.decode(om.offset(), om.metadata()).size();
            String offset = String.valueOf(om.offset());
            sorted.put(tp.toString(), above == 0 ? offset : offset + " (+" + above + " done above)");
        });
        return sorted.toString();
    }

    /** Called once the consumer is closed, or the loop failed: free what the subclass holds. */
    protected void release() {
    }

    /** A batch as {@code 5 records from [jobs-0] offsets 0..4}. */
    static String describe(ConsumerRecords<String, String> records) {
        List<TopicPartition> partitions = new ArrayList<>(records.partitions());
        partitions.sort((a, b) -> a.toString().compareTo(b.toString()));
        List<String> ranges = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            List<ConsumerRecord<String, String>> list = records.records(tp);
            ranges.add(list.get(0).offset() + ".." + list.get(list.size() - 1).offset());
        }
        return records.count() + " records from " + RebalanceLogger.names(partitions) + " offsets "
                + String.join(", ", ranges);
    }
}
