package dev.starvation.kafka.consume;

import dev.starvation.kafka.ops.PollWatchdog;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
 * The fix: the poll thread hands records to a bounded worker pool, pauses the partitions that have work in flight and
 * keeps polling, so the member stays in its group however long a record takes. Only the poll thread touches the
 * consumer: it resumes partitions whose work is done and commits, per partition, the offsets of finished records.
 */
public final class OffloadingConsumer extends PollLoop {

    private static final Logger LOG = LoggerFactory.getLogger(OffloadingConsumer.class);
    private static final Duration COMMIT_RETRY = Duration.ofSeconds(1);
    /** Done offsets are committed at most this often (and always on revocation and close): fewer round trips. */
    private static final Duration COMMIT_EVERY = Duration.ofMillis(200);
    /** While records run, polls are this short, so a finished partition gets its next record without delay. */
    private static final Duration BUSY_POLL_TIMEOUT = Duration.ofMillis(5);

    /** How a worker's job ended. */
    private enum Result { DONE, DEAD_LETTERED, GAVE_UP }

    private record Outcome(PartitionWork work, ConsumerRecord<String, String> record, Result result) {
    }

    private final Map<TopicPartition, PartitionWork> owned = new LinkedHashMap<>();
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final ThreadPoolExecutor pool;
    private final DeadLetters deadLetters;
    private final Duration commitTimeout;
    private int inFlight;
    /** {@link #inFlight} as other threads may read it. */
    private volatile int inFlightSeen;
    private int rotation;
    private long nextCommitNanos;
    private boolean stopping;

    /** An offloading consumer with {@code settings.workers()} worker threads. */
    public OffloadingConsumer(ConsumerSettings settings, Processor processor) {
        super(settings, processor);
        AtomicInteger n = new AtomicInteger();
        // Never more jobs than workers are handed out, so the queue only covers a worker that is still finishing.
        this.pool = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(settings.workers() * 2), r -> {
                    Thread t = new Thread(r, "worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.deadLetters = new DeadLetters(settings.bootstrapServers());
        // A commit blocks the poll thread, so it gets half the poll interval, but never less than 1 s: a third of
        // 1.4 s (466 ms) was seen to time out commits with another process keeping a core busy.
        this.commitTimeout = Duration.ofMillis(Math.max(1_000, Math.min(5_000, settings.maxPollIntervalMs() / 2)));
    }

    @Override
    protected ConsumerRebalanceListener rebalanceListener(KafkaConsumer<String, String> consumer) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                List<TopicPartition> added = partitions.stream().filter(tp -> !owned.containsKey(tp)).toList();
                added.forEach(tp -> owned.put(tp, new PartitionWork(tp, settings.ordering(), settings.maxBuffered())));
                resume(consumer, added);
                // A partition given back keeps no pause: pause again whatever still has work.
                syncPauses(consumer);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                drain(consumer);
                Map<TopicPartition, OffsetAndMetadata> done = doneOffsets(partitions);
                if (commit(consumer, done, commitTimeout)) {
                    markCommitted(done);
                }
                partitions.forEach(tp -> giveUp(owned.remove(tp), "partition revoked"));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                // Another member may own these already: committing anything now could overwrite its progress.
                partitions.forEach(tp -> giveUp(owned.remove(tp), "partition lost"));
            }
        };
    }

    @Override
    protected void handle(KafkaConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionWork work = owned.get(tp);
            if (work != null) {
                for (ConsumerRecord<String, String> skipped : work.enqueue(records.records(tp))) {
                    stats.skipped();
                    LOG.info("SKIP {} {}: finished before the hand-over (commit metadata)", skipped.key(),
                            RunStats.id(skipped));
                }
            }
        }
    }

    /** Records handed to workers and not finished yet, as of the last poll. */
    public int recordsInFlight() {
        return inFlightSeen;
    }

    @Override
    protected Duration pollTimeout() {
        inFlightSeen = inFlight;
        return inFlight > 0 ? BUSY_POLL_TIMEOUT : POLL_TIMEOUT;
    }

    @Override
    protected void afterPoll(KafkaConsumer<String, String> consumer) {
        drain(consumer);
        dispatch();
        syncPauses(consumer);
        commitDone(consumer, false);
    }

    @Override
    protected void finish(KafkaConsumer<String, String> consumer, PollWatchdog watchdog) {
        stopping = true;
        owned.values().forEach(PartitionWork::dropWaiting);
        syncPauses(consumer);
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        LOG.info("CLOSING with {} records in flight, grace {} ms", inFlight, settings.shutdownGrace().toMillis());
        // Keep polling while the last records finish: the member stays alive and the partitions stay paused.
        while (inFlight > 0 && System.nanoTime() < deadline) {
            consumer.poll(pollTimeout());
            watchdog.beat();
            drain(consumer);
            commitDone(consumer, false);
        }
        pool.shutdownNow();
        awaitWorkers();
        drain(consumer);
        owned.values().forEach(work -> giveUp(work, "closing, not finished when the shutdown grace ended"));
        commitDone(consumer, true);
    }

    @Override
    protected void release() {
        // Normally finish() has stopped the workers already; after a failure this is what stops them.
        pool.shutdownNow();
        deadLetters.close();
    }

    private void awaitWorkers() {
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Takes in what the workers finished; work for a partition that is no longer ours is dropped, not committed. */
    private void drain(KafkaConsumer<String, String> consumer) {
        Outcome o;
        while ((o = outcomes.poll()) != null) {
            PartitionWork work = owned.get(o.work().partition);
            if (work != o.work() || !work.isRunning(o.record())) {
                continue;
            }
            inFlight--;
            if (o.result() == Result.GAVE_UP) {
                work.gaveUp(o.record());
                if (stopping) {
                    abandoned(o.record(), "closing past the shutdown grace");
                }
            } else {
                work.done(o.record());
            }
        }
    }

    /**
     * Starts records that may start (see {@link PartitionWork#start}) until {@code workers} are in flight, one
     * partition after the other, so that a partition with many idle keys does not take every worker.
     */
    private void dispatch() {
        if (stopping || owned.isEmpty()) {
            return;
        }
        List<PartitionWork> works = new ArrayList<>(owned.values());
        int n = works.size();
        boolean startedAny = true;
        while (startedAny && inFlight < settings.workers()) {
            startedAny = false;
            // Start from a different partition each time so that, with fewer workers than partitions, none waits for ever.
            for (int i = 0; i < n && inFlight < settings.workers(); i++) {
                PartitionWork work = works.get((rotation + i) % n);
                if (work.canStart()) {
                    ConsumerRecord<String, String> record = work.start();
                    work.started(record, pool.submit(new Job(work, record)));
                    inFlight++;
                    startedAny = true;
                }
            }
        }
        rotation++;
    }

    /** Pauses busy partitions (see {@link PartitionWork#busy}, all when stopping), resumes the others, if assigned. */
    private void syncPauses(KafkaConsumer<String, String> consumer) {
        Set<TopicPartition> paused = consumer.paused();
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        for (TopicPartition tp : consumer.assignment()) {
            PartitionWork work = owned.get(tp);
            boolean busy = stopping || (work != null && work.busy());
            if (busy && !paused.contains(tp)) {
                pause.add(tp);
            } else if (!busy && paused.contains(tp)) {
                resume.add(tp);
            }
        }
        consumer.pause(pause);
        consumer.resume(resume);
    }

    private void commitDone(KafkaConsumer<String, String> consumer, boolean now) {
        if (!now && System.nanoTime() < nextCommitNanos) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> done = doneOffsets(owned.keySet());
        if (done.isEmpty()) {
            return;
        }
        if (commit(consumer, done, commitTimeout)) {
            markCommitted(done);
            nextCommitNanos = System.nanoTime() + COMMIT_EVERY.toNanos();
        } else {
            nextCommitNanos = System.nanoTime() + COMMIT_RETRY.toNanos();
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> doneOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionWork work = owned.get(tp);
            OffsetAndMetadata next = work == null ? null : work.toCommit();
            if (next != null) {
                done.put(tp, next);
            }
        }
        return done;
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> done) {
        done.forEach((tp, om) -> owned.get(tp).committed(om));
    }

    /**
     * Reads what the group committed for partitions just assigned: reading starts there, and the records the previous
     * owner finished above it (the commit's metadata) are skipped when they come.
     */
    private void resume(KafkaConsumer<String, String> consumer, List<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = consumer.committed(new HashSet<>(partitions), commitTimeout);
        } catch (InterruptException | WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("RESUME {} without the committed metadata ({}: {}): records finished before the hand-over "
                    + "will run again", RebalanceLogger.names(partitions), e.getClass().getSimpleName(), e.getMessage());
            return;
        }
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata om = committed.get(tp);
            SortedSet<Long> skip = owned.get(tp).resumeFrom(om);
            if (!skip.isEmpty()) {
                LOG.info("RESUME {} at offset {}: {} records above it were finished by the previous owner and will be "
                        + "skipped ({})", tp, om.offset(), skip.size(), abbreviate(skip));
            }
        }
    }

    /** Offsets as {@code 14, 15, 17} for the log, the first ten and a count of the rest. */
    private static String abbreviate(SortedSet<Long> offsets) {
        String first = offsets.stream().limit(10).map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
        return offsets.size() <= 10 ? first : first + " and " + (offsets.size() - 10) + " more";
    }

    private void giveUp(PartitionWork work, String why) {
        if (work == null) {
            return;
        }
        for (ConsumerRecord<String, String> running : work.abandon()) {
            inFlight--;
            abandoned(running, why);
        }
    }

    private void abandoned(ConsumerRecord<String, String> record, String why) {
        stats.abandoned();
        LOG.info("ABANDONED {} {}: {}, not committed", record.key(), RunStats.id(record), why);
    }

    /** One record on a worker thread; reports its result once. */
    private final class Job implements Runnable {
        private final PartitionWork work;
        private final ConsumerRecord<String, String> record;
        private final AtomicBoolean reported = new AtomicBoolean();

        Job(PartitionWork work, ConsumerRecord<String, String> record) {
            this.work = work;
            this.record = record;
        }

        @Override
        public void run() {
            Result result;
            try {
                result = processor.process(record) ? Result.DONE : Result.GAVE_UP;
                if (result == Result.DONE) {
                    stats.processed(record);
                }
            } catch (RuntimeException e) {
                result = deadLetter(e);
            }
            if (reported.compareAndSet(false, true)) {
                outcomes.add(new Outcome(work, record, result));
            }
        }

        private Result deadLetter(RuntimeException e) {
            String dlt = DeadLetters.topicFor(record.topic());
            LOG.warn("POISON {} {} topic={} partition={} offset={} failed: {}; sending it to {}", record.key(),
                    RunStats.id(record), record.topic(), record.partition(), record.offset(), e, dlt);
            try {
                deadLetters.send(record, e);
                stats.deadLettered();
                return Result.DEAD_LETTERED;
            } catch (ExecutionException | TimeoutException | RuntimeException sendFailure) {
                LOG.warn("DLT failed for {}: {}; the record will be read again", RunStats.id(record), sendFailure.toString());
                return Result.GAVE_UP;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return Result.GAVE_UP;
            }
        }
    }
}
