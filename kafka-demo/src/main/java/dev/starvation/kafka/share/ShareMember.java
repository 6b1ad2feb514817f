package dev.starvation.kafka.share;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import dev.starvation.kafka.consume.Processor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every member of a share-group run shares: its own share consumer on its own thread, a poll loop watched for
 * stalls against the acquisition lock, the broker's answers to its acknowledgements fed to the ledger, a clean close.
 * Subclasses decide what happens to the records a poll hands over.
 */
abstract class ShareMember implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(ShareMember.class);
    /** Short polls: the loop comes back often, and a stop is seen quickly. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    /** {@link #awaitRecords} ends with records or a stop, not with a timeout. */
    private static final Duration IDLE_WAIT = Duration.ofMillis(Long.MAX_VALUE);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** The member's name, also its client id and its poll thread's name: {@code share-1}. */
    protected final String name;
    protected final ShareSettings settings;
    protected final Processor processor;
    protected final ShareLedger ledger;
    private final StallWatchdog watchdog;
    /** Beaten by the poll thread each time the loop comes round. */
    protected Heartbeat heartbeat;
    /** The group's acquisition lock as the broker reports it to the consumer, or as configured until it does. */
    protected volatile int lockMs;
    private volatile boolean stopRequested;
    private volatile RuntimeException failure;
    /** The consumer while the poll thread waits in {@link #awaitRecords}, for {@link #stop()} to wake it up. */
    private volatile KafkaShareConsumer<String, String> idleIn;

    ShareMember(String name, ShareSettings settings, Processor processor, ShareLedger ledger, StallWatchdog watchdog,
            int lockMs) {
        this.name = name;
        this.settings = settings;
        this.processor = processor;
        this.ledger = ledger;
        this.watchdog = watchdog;
        this.lockMs = lockMs;
    }

    @Override
    public final void run() {
        try (KafkaShareConsumer<String, String> consumer = new KafkaShareConsumer<>(settings.kafkaProperties(name))) {
            consumer.setAcknowledgementCommitCallback((offsets, exception) ->
                    answered(ledger.answered(name, offsets, exception)));
            consumer.subscribe(List.of(settings.topic()));
            LOG.info("MEMBER {} subscribed to {}: {}", name, settings.topic(), describe());
            Duration stallLimit = Duration.ofMillis(Math.max(1, Math.round(lockMs * settings.stallShare())));
            heartbeat = watchdog.watchThread(Thread.currentThread(), stallLimit,
                    (thread, ms) -> "STALL poll thread " + thread + " silent for " + ms + " ms (acquisition lock "
                            + lockMs + " ms)");
            try {
                while (!stopRequested) {
                    if (!mayPoll()) {
                        continue;
                    }
                    ConsumerRecords<String, String> records = waitsIdle() ? awaitRecords(consumer) : poll(consumer);
                    consumer.acquisitionLockTimeoutMs().ifPresent(ms -> lockMs = ms);
                    if (!records.isEmpty()) {
                        handle(consumer, records);
                    }
                    afterPoll(consumer);
                }
                finish(consumer);
            } finally {
                heartbeat.close();
            }
            commit(consumer);
            consumer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("MEMBER {} failed: {}", name, e.toString());
        } finally {
            release();
        }
    }

    /** Asks the member to stop; {@link #run()} returns once its consumer has closed. Any thread may call it. */
    void stop() {
        stopRequested = true;
        KafkaShareConsumer<String, String> waiting = idleIn;
        if (waiting != null) {
            // A member waiting in awaitRecords() may wait for ever; the wakeup is thread-safe.
            waiting.wakeup();
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    /** Why {@link #run()} ended early, or null. */
    RuntimeException failure() {
        return failure;
    }

    /** The longest the poll loop went without coming round, in ms. */
    long maxPollGapMillis() {
        Heartbeat hb = heartbeat;
        return hb == null ? 0 : hb.maxGapMillis();
    }

    /** Workers still held, when the member closed, by attempts that ignored their deadline's interrupt. */
    int stuckWorkers() {
        return 0;
    }

    /** How the member works, for its {@code MEMBER} line. */
    abstract String describe();

    /** What the member does with a non-empty poll, on the poll thread. */
    abstract void handle(KafkaShareConsumer<String, String> consumer, ConsumerRecords<String, String> records);

    /**
     * Called on the poll thread before every poll of the main loop: false to skip this poll (the member waits, beating
     * its heartbeat, and is asked again; a stop request ends the loop meanwhile).
     */
    boolean mayPoll() {
        return true;
    }

    /**
     * Called on the poll thread before every poll of the main loop: true when the member holds no record and waits for
     * new ones in a single {@link #awaitRecords} call rather than in short polls.
     */
    boolean waitsIdle() {
        return false;
    }

    /** A short poll ({@link #POLL_TIMEOUT}) that beats the heartbeat; a stop's wakeup, if one is pending, reads empty. */
    ConsumerRecords<String, String> poll(KafkaShareConsumer<String, String> consumer) {
        ConsumerRecords<String, String> records;
        try {
            records = consumer.poll(POLL_TIMEOUT);
        } catch (WakeupException e) {
            if (!stopRequested) {
                throw e;
            }
            records = ConsumerRecords.empty();
        }
        heartbeat.beat();
        return records;
    }

    /**
     * Waits for records in one {@code poll()} that returns only when records come or the member is stopped. Why one:
     * each {@code poll()} that finds nothing asks the client's network thread for a fetch (a ShareFetchEvent), and
     * one that arrives just after a fetch has acquired records makes it send another: that fetch acquires up to
     * {@code max.poll.records} more, which the client keeps in its buffer, unseen, until every record it handed over
     * is acknowledged for good (ShareConsumerImpl.collect, 4.3.1). Behind records in work, nobody can renew or release
     * them, and their locks run out: redelivered, and archived at the limit. The first poll of a wait starts the
     * fetching, so it cannot come after a fetch. Holding no record, the member delays no one while it waits, and its
     * heartbeat owes nothing meanwhile.
     */
    ConsumerRecords<String, String> awaitRecords(KafkaShareConsumer<String, String> consumer) {
        heartbeat.idle();
        idleIn = consumer;
        try {
            if (stopRequested) {
                return ConsumerRecords.empty();
            }
            return consumer.poll(IDLE_WAIT);
        } catch (WakeupException e) {
            if (!stopRequested) {
                throw e;
            }
            return ConsumerRecords.empty();
        } finally {
            idleIn = null;
            heartbeat.beat();
        }
    }

    /** Called on the poll thread after every poll. */
    void afterPoll(KafkaShareConsumer<String, String> consumer) {
    }

    /** Called once when the loop ends, before the last commit and the close. */
    void finish(KafkaShareConsumer<String, String> consumer) {
    }

    /** The broker answered some acknowledgements (on the poll thread, inside poll or commit). */
    void answered(List<ShareLedger.Ack> acks) {
    }

    /** Called once the consumer is closed, or the loop failed: free what the subclass holds. */
    void release() {
    }

    /** The lock on records a poll handed over just now ends about then, by this member's clock. */
    long lockEndFromNow() {
        return System.nanoTime() + lockMs * 1_000_000L;
    }

    /** Sends the acknowledgements made so far and waits for the broker's answer (the callback logs it). */
    void commit(KafkaShareConsumer<String, String> consumer) {
        try {
            commitSync(consumer);
        } catch (InterruptException | WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("ACK commit failed on {}: {}: {}", name, e.getClass().getSimpleName(), e.getMessage());
        }
    }

    /** A stop's wakeup may land just after the wait it was meant for ended: it is thrown once, so try again. */
    private void commitSync(KafkaShareConsumer<String, String> consumer) {
        try {
            consumer.commitSync(COMMIT_TIMEOUT);
        } catch (WakeupException e) {
            if (!stopRequested) {
                throw e;
            }
            consumer.commitSync(COMMIT_TIMEOUT);
        }
    }

    /** Logs a poll's new records: {@code BATCH share-1 4 records jobs-0@0..3, delivery 1 of 3}. */
    void logBatch(List<ConsumerRecord<String, String>> records, int deliveryLimit) {
        if (records.isEmpty()) {
            return;
        }
        Map<String, List<Long>> offsetsByPartition = new TreeMap<>();
        records.forEach(r -> offsetsByPartition.computeIfAbsent(r.topic() + "-" + r.partition(), p -> new ArrayList<>())
                .add(r.offset()));
        List<String> ranges = new ArrayList<>();
        offsetsByPartition.forEach((partition, offsets) -> {
            offsets.sort(null);
            ranges.add(partition + "@" + offsets.get(0)
                    + (offsets.size() > 1 ? ".." + offsets.get(offsets.size() - 1) : ""));
        });
        List<Integer> counts = records.stream().map(ShareLedger::deliveryCount).distinct().sorted().toList();
        String deliveries = counts.size() == 1 ? "delivery " + counts.get(0) : "deliveries " + counts;
        boolean last = counts.get(counts.size() - 1) >= deliveryLimit;
        LOG.info("BATCH {} {} record{} {}, {} of {}{}", name, records.size(), records.size() == 1 ? "" : "s",
                String.join(", ", ranges), deliveries, deliveryLimit, last ? " (the last: archived if not acknowledged)"
                        : "");
    }
}
