package dev.starvation.kafka.consume;

import dev.starvation.kafka.broker.BrokerMonitor;
import dev.starvation.kafka.ops.ConsumerMetrics;
import dev.starvation.kafka.ops.InFlight;
import dev.starvation.kafka.ops.PollWatchdog;
import dev.starvation.kafka.ordering.CommitMetadata;
import dev.starvation.kafka.ops.RunStats;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
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
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** The poll timeout: a worker that finishes wakes the poll up sooner, and so does a stop request. */
    static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

    /** The settings of this run. */
    protected final ConsumerSettings settings;
    /** The work done per record. */
    protected final Processor processor;
    /** The counts of this run. */
    protected final RunStats stats = new RunStats();
    /** The records being processed on the poll thread (the naive loop's); workers report through JobWatch. */
    protected final InFlight processing = new InFlight();
    /** Where this loop's metrics go, or null. */
    private volatile ConsumerMetrics metrics;
    private final String clientId;
    private final CompletableFuture<Consumer<String, String>> consumerCreated = new CompletableFuture<>();
    private volatile KafkaConsumer<String, String> consumer;
    private volatile PollWatchdog watchdog;
    /** True while the poll thread is inside poll() and not in a rebalance callback: a wake-up is safe and useful. */
    private volatile boolean wakeable;
    private volatile boolean stopRequested;
    private volatile boolean running;
    private volatile boolean ended;
    private volatile int generation = -1;
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
        long cpuAtStart = cpuNanos();
        long deadline = System.nanoTime() + settings.duration().toNanos();
        try {
            prepare();
            try (BrokerMonitor monitor = new BrokerMonitor(settings.bootstrapServers());
                 KafkaConsumer<String, String> kafka = new KafkaConsumer<>(settings.kafkaProperties(clientId));
                 PollWatchdog polls = new PollWatchdog(settings.stallLimit(), settings.maxPollIntervalMs(),
                         settings.pollGaps())) {
                consumer = kafka;
                watchdog = polls;
                consumerCreated.complete(kafka);
                started(polls);
                if (metrics != null) {
                    metrics.bind(kafka, clientId, settings.maxPollIntervalMs(), polls.heartbeat(), stats,
                            this::recordsInFlight, this::oldestInFlightAgeMillis, recordDeadline());
                }
                RebalanceLogger listener = new RebalanceLogger(stats, withoutWakeups(rebalanceListener(kafka)));
                kafka.subscribe(List.of(settings.topic()), listener);
                while (!stopRequested && System.nanoTime() < deadline && !expectedDone()) {
                    ConsumerRecords<String, String> records = poll(kafka);
                    polls.beat();
                    generation = kafka.groupMetadata().generationId();
                    if (!records.isEmpty()) {
                        LOG.info("BATCH {}", describe(records));
                        records.partitions().forEach(tp -> stats.received(tp, records.records(tp).get(0).offset()));
                        handle(kafka, records);
                    }
                    afterPoll(kafka);
                }
                finish(kafka, polls);
                listener.closing();
                maxPollGapMillis = polls.maxPollGapMillis();
                polls.close();
                if (metrics != null) {
                    metrics.consumerClosed();
                }
                kafka.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            }
        } finally {
            release();
            running = false;
            ended = true;
        }
        long cpu = cpuNanos();
        LOG.info("{}", stats.summary(settings.mode(), settings.protocolName(), maxPollGapMillis,
                cpu < 0 || cpuAtStart < 0 ? -1 : (cpu - cpuAtStart) / 1_000_000));
        return stats;
    }

    /** CPU time of the calling thread, or -1 where the JVM does not measure it. */
    private static long cpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /** One poll that a worker's {@link #wakeUp()} may cut short: then it returns no records. */
    private ConsumerRecords<String, String> poll(KafkaConsumer<String, String> kafka) {
        // Wakeable before the timeout is chosen: a result landing in between either shortens the timeout or wakes us.
        wakeable = true;
        try {
            return kafka.poll(pollTimeout());
        } catch (WakeupException woken) {
            return ConsumerRecords.empty();
        } finally {
            wakeable = false;
        }
    }

    /**
     * Polls once more while the loop winds down (closing with records in flight), woken like the main loop's polls;
     * the records it brings are not handed out (the subclass pauses every partition first).
     */
    protected final void pollWhileClosing(KafkaConsumer<String, String> kafka, PollWatchdog polls) {
        poll(kafka);
        polls.beat();
    }

    /**
     * Cuts the poll thread's current {@code poll()} short so that it looks at new results at once; any thread may call
     * it. Only while the poll thread is in {@code poll()}: anywhere else the client would keep the wake-up pending and
     * throw it out of the next blocking call (a commit, a rebalance callback's commit).
     */
    protected final void wakeUp() {
        KafkaConsumer<String, String> c = consumer;
        if (wakeable && c != null) {
            c.wakeup();
        }
    }

    /** Wraps a rebalance listener so that no wake-up is asked for while it runs (it runs inside poll()). */
    private ConsumerRebalanceListener withoutWakeups(ConsumerRebalanceListener listener) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                withoutWakeups(() -> listener.onPartitionsRevoked(partitions));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                withoutWakeups(() -> listener.onPartitionsAssigned(partitions));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                withoutWakeups(() -> listener.onPartitionsLost(partitions));
            }
        };
    }

    private void withoutWakeups(Runnable callback) {
        boolean was = wakeable;
        wakeable = false;
        try {
            callback.run();
        } finally {
            wakeable = was;
        }
    }

    /** Asks the loop to stop; {@link #run()} returns once the consumer has closed. Any thread may call it. */
    public void stop() {
        stopRequested = true;
        wakeUp();
    }

    /** Whether {@link #run()} is still going. */
    public boolean isRunning() {
        return running;
    }

    /** The counts so far (final once {@link #run()} returned). */
    public RunStats stats() {
        return stats;
    }

    /** Publishes this loop's metrics to {@code consumerMetrics} once its consumer exists; call before {@link #run()}. */
    public PollLoop metrics(ConsumerMetrics consumerMetrics) {
        this.metrics = consumerMetrics;
        return this;
    }

    /** Records being processed now; any thread may ask. */
    public int recordsInFlight() {
        return processing.count();
    }

    /** How long the oldest record being processed has run, in milliseconds; 0 when none runs. Any thread may ask. */
    public long oldestInFlightAgeMillis() {
        return processing.oldestAgeMillis();
    }

    /** How long one record may be processed, if this loop has such a deadline. */
    protected Optional<Duration> recordDeadline() {
        return Optional.empty();
    }

    /**
     * The Kafka consumer once {@link #run()} has created it (for client metrics, e.g. Micrometer's
     * {@code KafkaClientMetrics}). It is not thread-safe: from other threads call only {@code metrics()}, which reads
     * the client's metric registry, and {@code wakeup()}.
     */
    public CompletableFuture<Consumer<String, String>> consumerCreated() {
        return consumerCreated;
    }

    /**
     * Why a liveness probe should fail, or empty while the consumer is alive: the poll loop runs and has polled within
     * max.poll.interval.ms, and the subclass sees nothing stuck ({@link #stuckWork}). Any thread may call it.
     */
    public final Optional<String> unhealthyReason() {
        List<String> problems = new ArrayList<>();
        PollWatchdog polls = watchdog;
        if (ended) {
            problems.add("poll loop ended");
        } else if (polls != null && polls.silentMillis() > settings.maxPollIntervalMs()) {
            problems.add("poll thread silent for " + polls.silentMillis() + " ms, past max.poll.interval.ms "
                    + settings.maxPollIntervalMs());
        }
        problems.addAll(stuckWork());
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /**
     * Why a readiness probe should fail, or empty while the consumer can take work: it runs, is a member of its group
     * (a generation above 0, whether or not it was given partitions) and is not closing, and the subclass has
     * capacity ({@link #noCapacity}). Any thread may call it.
     */
    public final Optional<String> notReadyReason() {
        if (!running) {
            return Optional.of(ended ? "poll loop ended" : "poll loop not started");
        }
        if (stopRequested) {
            return Optional.of("closing");
        }
        if (generation <= 0) {
            return Optional.of("not a member of group " + settings.group() + " yet");
        }
        return noCapacity();
    }

    /** What the subclass has stuck, one reason each, for {@link #unhealthyReason()}; any thread may call it. */
    protected List<String> stuckWork() {
        return List.of();
    }

    /** Why the subclass cannot take work now, for {@link #notReadyReason()}; any thread may call it. */
    protected Optional<String> noCapacity() {
        return Optional.empty();
    }

    /** Whether a stop was asked for. */
    protected boolean stopRequested() {
        return stopRequested;
    }

    private boolean expectedDone() {
        long expect = settings.expect();
        long settled = stats.records() + stats.deadLetteredRecords();
        return expect > 0 && settled >= expect && stats.committedOffsets() >= expect;
    }

    /** Called first in {@link #run()}, before the consumer exists: check or create what the run needs. */
    protected void prepare() {
    }

    /** Called once the consumer and the poll watchdog exist, before subscribing, on the poll thread. */
    protected void started(PollWatchdog polls) {
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
     * {@code COMMIT failed <exception>: <message>}. A wake-up that lands in the commit (a worker finished just as the
     * poll returned) does not fail it: the commit is asked again within the same {@code timeout}.
     *
     * @return whether the broker accepted the commit
     */
    protected boolean commit(KafkaConsumer<String, String> consumer, Map<TopicPartition, OffsetAndMetadata> offsets,
            Duration timeout) {
        if (offsets.isEmpty()) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                consumer.commitSync(offsets, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                break;
            } catch (WakeupException woken) {
                // The wake-up is used up by this throw; the commit (idempotent) is still wanted.
                if (System.nanoTime() >= deadline) {
                    LOG.warn("COMMIT failed WakeupException: no time left in the {} ms commit timeout",
                            timeout.toMillis());
                    stats.commitFailed();
                    return false;
                }
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException e) {
                LOG.warn("COMMIT failed {}: {}", e.getClass().getSimpleName(), e.getMessage());
                stats.commitFailed();
                return false;
            }
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
