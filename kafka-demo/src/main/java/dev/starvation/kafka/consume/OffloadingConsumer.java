package dev.starvation.kafka.consume;

import dev.starvation.common.JobWatch;
import dev.starvation.kafka.ops.PollWatchdog;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
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
 * Every way a record's attempt ends comes back to the poll thread: done, failed (retried with a backoff, then
 * dead-lettered), past its deadline, or given up on revocation and close.
 *
 * <p>Longer than a class should be, on purpose: it is the poll thread's state machine, and every transition above reads
 * and writes the same state (the partitions' work, the events from workers, the attempts held past a deadline) under
 * one rule, only on the poll thread. What could stand alone already does: {@link PartitionWork} (one partition's
 * offsets and commit), {@link FailurePolicy}, {@link DeadLetters}, the {@code ordering} package.
 */
public final class OffloadingConsumer extends PollLoop {

    private static final Logger LOG = LoggerFactory.getLogger(OffloadingConsumer.class);
    private static final Duration COMMIT_RETRY = Duration.ofSeconds(1);
    /** Done offsets are committed at most this often (and always on revocation and close): fewer round trips. */
    private static final Duration COMMIT_EVERY = Duration.ofMillis(200);

    /** What the poll thread hears from workers, the watchdog and the dead-letter thread. */
    private sealed interface Event permits Ended, DeadLettered, Returned {
    }

    /** How an attempt ended. */
    private enum Ending { DONE, FAILED, PAST_DEADLINE }

    private record Ended(Job job, Ending ending, Throwable failure) implements Event {
    }

    /**
     * The worker of an attempt given up on (past its deadline, revoked, lost, closing) has returned from it;
     * {@code done} if the processor finished the record after all.
     */
    private record Returned(Job job, boolean done) implements Event {
    }

    /** A dead-letter send finished: {@code failure} is null if the dead-letter topic has the record. */
    private record DeadLettered(PartitionWork work, ConsumerRecord<String, String> record, Exception failure)
            implements Event {
    }

    private final Map<TopicPartition, PartitionWork> owned = new LinkedHashMap<>();
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final ThreadPoolExecutor pool;
    private final DeadLetters deadLetters;
    private final FailurePolicy policy;
    private final Duration commitTimeout;
    /** Attempts handed to workers whose end the poll thread has not taken in yet. Poll thread only. */
    private final Set<Job> jobs = new HashSet<>();
    /** Records at the dead-letter thread, not acknowledged yet. Poll thread only. */
    private final Map<ConsumerRecord<String, String>, PartitionWork> deadLettering = new IdentityHashMap<>();
    /** Transient failures so far ({@link RetriableProcessingException}) of records waiting to be tried again. */
    private final Map<ConsumerRecord<String, String>, Integer> transientFailures = new IdentityHashMap<>();
    /** Failed attempts so far of records that will be tried again. Poll thread only. */
    private final Map<ConsumerRecord<String, String>, Integer> failedAttempts = new IdentityHashMap<>();
    /** Partitions being revoked while the listener waits for their records. Poll thread only. */
    private final Set<PartitionWork> revoking = new HashSet<>();
    /** Attempts settled without their worker (deadline, revocation, close) whose worker has not come back yet. */
    private final Set<Job> leftovers = ConcurrentHashMap.newKeySet();
    /**
     * Given-up attempts whose worker has not returned, by partition: until it does, their record and the later
     * records of their key are held in every work state of the partition, the one assigned again included. Poll
     * thread only.
     */
    private final Map<TopicPartition, Set<Job>> stale = new HashMap<>();
    /** The attempt each watched job belongs to, for the deadline callback. */
    private final Map<JobWatch.Job, Job> watched = new ConcurrentHashMap<>();
    /** Partitions stopped because a record could not be dead-lettered, with the reason /health gives. */
    private final Map<TopicPartition, String> stopped = new ConcurrentHashMap<>();
    private volatile JobWatch jobWatch;
    /** Records in flight (on workers or at the dead-letter thread), as other threads may read it. */
    private volatile int inFlightSeen;
    /** Offsets held from the partitions' commit offsets on, summed over the member, as other threads may read it. */
    private volatile long bufferedSeen;
    /** Whether the member holds {@code --max-buffered} records or more, as of the last look. Poll thread only. */
    private boolean full;
    private int rotation;
    private long nextCommitNanos;
    private boolean stopping;

    /** An offloading consumer with {@code settings.workers()} worker threads. */
    public OffloadingConsumer(ConsumerSettings settings, Processor processor) {
        super(settings, processor);
        AtomicInteger n = new AtomicInteger();
        // Never more attempts are handed out than workers minus the ones held by given-up attempts that have not come
        // back, so the queue stays (almost) empty; unbounded, it can never reject, however many rebalances leave
        // threads behind.
        this.pool = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.policy = settings.failures();
        this.deadLetters = new DeadLetters(settings.bootstrapServers(), settings.group(), policy);
        this.commitTimeout = settings.commitTimeout();
    }

    @Override
    protected Optional<Duration> recordDeadline() {
        return Optional.of(policy.recordDeadline());
    }

    @Override
    protected void prepare() {
        deadLetters.ensureTopic(settings.topic());
    }

    @Override
    protected void started(PollWatchdog polls) {
        jobWatch = polls.watchJobs(policy.recordDeadline(), settings.stallShare(), this::deadlinePassed);
    }

    @Override
    protected ConsumerRebalanceListener rebalanceListener(KafkaConsumer<String, String> consumer) {
        return new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                List<TopicPartition> added = partitions.stream().filter(tp -> !owned.containsKey(tp)).toList();
                added.forEach(tp -> owned.put(tp, newWork(tp)));
                resume(consumer, added);
                // A partition given back keeps no pause: pause again whatever still has work.
                syncPauses(consumer);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                revoke(consumer, partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                // Another member may own these already: committing anything now could overwrite its progress.
                partitions.forEach(tp -> {
                    uncommitted(owned.get(tp), "partition lost");
                    giveUp(owned.remove(tp), "partition lost");
                });
                publish();
            }
        };
    }

    /**
     * Lets the revoked partitions' records in flight finish for a bounded time, commits what is done, and gives up the
     * rest. The wait is inside poll(), so it is kept to {@link ConsumerSettings#revocationWait()}.
     */
    private void revoke(KafkaConsumer<String, String> consumer, Collection<TopicPartition> partitions) {
        List<PartitionWork> works = new ArrayList<>();
        partitions.forEach(tp -> {
            PartitionWork work = owned.get(tp);
            if (work != null) {
                works.add(work);
            }
        });
        revoking.addAll(works);
        try {
            works.forEach(PartitionWork::dropWaiting);
            awaitInFlight(works, settings.revocationWait());
            Map<TopicPartition, OffsetAndMetadata> done = doneOffsets(partitions);
            if (commit(consumer, done, commitTimeout)) {
                markCommitted(done);
            }
            partitions.forEach(tp -> {
                uncommitted(owned.get(tp), "partition revoked");
                giveUp(owned.remove(tp), "partition revoked");
            });
        } finally {
            works.forEach(revoking::remove);
            publish();
        }
    }

    private void awaitInFlight(List<PartitionWork> works, Duration limit) {
        int waiting = inFlight(works);
        if (waiting == 0) {
            return;
        }
        LOG.info("REVOKING {} with {} records in flight: waiting up to {} ms for them, then committing within {} ms "
                + "(rebalance timeout {} ms)", names(works), waiting, limit.toMillis(), commitTimeout.toMillis(),
                settings.maxPollIntervalMs());
        long deadline = System.nanoTime() + limit.toNanos();
        while (inFlight(works) > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                Event e = events.poll(left, TimeUnit.NANOSECONDS);
                if (e != null) {
                    take(e);
                }
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private int inFlight(Collection<PartitionWork> works) {
        int n = 0;
        for (Job job : jobs) {
            n += works.contains(job.work) ? 1 : 0;
        }
        for (PartitionWork work : deadLettering.values()) {
            n += works.contains(work) ? 1 : 0;
        }
        return n;
    }

    private static String names(Collection<PartitionWork> works) {
        return RebalanceLogger.names(works.stream().map(w -> w.partition).toList());
    }

    @Override
    protected void handle(KafkaConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
        for (TopicPartition tp : records.partitions()) {
            PartitionWork work = owned.get(tp);
            if (work != null && work.movedBack(records.records(tp).get(0).offset())) {
                work = restart(work, records.records(tp).get(0).offset());
            }
            if (work != null) {
                for (ConsumerRecord<String, String> skipped : work.enqueue(records.records(tp))) {
                    stats.skipped();
                    LOG.info("SKIP {} {}: finished before the hand-over (commit metadata)", skipped.key(),
                            RunStats.id(skipped));
                }
            }
        }
    }

    /**
     * The partition's position went back: what was received from there on is not what comes now, so the partition
     * starts over as if assigned again (attempts in flight given up, their keys held until they return), and its
     * commits may go back with it.
     */
    private PartitionWork restart(PartitionWork old, long from) {
        LOG.warn("RESET {} position moved back from {} to {}: an offset reset (auto.offset.reset) after the log was "
                + "truncated or the topic made again; the records from {} on are new to this member and processed",
                old.partition, old.nextOffset(), from, from);
        owned.remove(old.partition);
        giveUp(old, "the partition's position moved back");
        PartitionWork fresh = newWork(old.partition);
        owned.put(old.partition, fresh);
        return fresh;
    }

    /** A new work state for {@code tp}; attempts of an older one that still run hold their keys in it too. */
    private PartitionWork newWork(TopicPartition tp) {
        PartitionWork work = new PartitionWork(tp, settings.ordering(), settings.maxBuffered());
        stale.getOrDefault(tp, Set.of()).forEach(job -> work.holdStale(job.record));
        return work;
    }

    /** Records handed to workers or to the dead-letter thread and not finished yet, as of the last poll. */
    @Override
    public int recordsInFlight() {
        return inFlightSeen;
    }

    /** How long the oldest attempt still running on a worker has run, in milliseconds; 0 when none runs. */
    @Override
    public long oldestInFlightAgeMillis() {
        JobWatch w = jobWatch;
        return w == null ? 0 : w.oldestAgeMillis();
    }

    /** Workers held by attempts given up (past their deadline, revoked, closing) that have not come back. */
    public int stuckWorkers() {
        return leftovers.size();
    }

    @Override
    protected Duration pollTimeout() {
        publish();
        if (!events.isEmpty()) {
            return Duration.ZERO;
        }
        long now = System.nanoTime();
        long wait = POLL_TIMEOUT.toNanos();
        if (stopping || occupiedWorkers() >= settings.workers()) {
            // A retry that is due cannot start before a worker comes back, which wakes the poll: until then a short
            // timeout would only spin (poll(0) in a tight loop, for ever if the held workers hang).
            return Duration.ofNanos(wait);
        }
        for (PartitionWork work : owned.values()) {
            OptionalLong due = work.retryDueNanos();
            if (due.isPresent()) {
                wait = Math.min(wait, Math.max(0, due.getAsLong() - now));
            }
        }
        return Duration.ofNanos(wait);
    }

    @Override
    protected void afterPoll(KafkaConsumer<String, String> consumer) {
        drain();
        dispatch();
        syncPauses(consumer);
        commitDone(consumer, false);
        publish();
    }

    @Override
    protected void finish(KafkaConsumer<String, String> consumer, PollWatchdog watchdog) {
        stopping = true;
        owned.values().forEach(PartitionWork::dropWaiting);
        syncPauses(consumer);
        long deadline = System.nanoTime() + settings.shutdownGrace().toNanos();
        LOG.info("CLOSING with {} records in flight, grace {} ms", jobs.size() + deadLettering.size(),
                settings.shutdownGrace().toMillis());
        // Keep polling while the last records finish: the member stays alive and the partitions stay paused.
        while (jobs.size() + deadLettering.size() > 0 && System.nanoTime() < deadline) {
            pollWhileClosing(consumer, watchdog);
            drain();
            commitDone(consumer, false);
            publish();
        }
        owned.values().forEach(work -> giveUp(work, "closing past the shutdown grace"));
        commitDone(consumer, true);
        publish();
        pool.shutdownNow();
        awaitWorkers();
    }

    @Override
    protected void release() {
        // Normally finish() has stopped the workers already; after a failure this is what stops them.
        pool.shutdownNow();
        deadLetters.close();
    }

    @Override
    protected List<String> stuckWork() {
        List<String> problems = new ArrayList<>();
        JobWatch w = jobWatch;
        if (w != null) {
            w.unhealthyReason().ifPresent(problems::add);
        }
        stopped.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.comparing(TopicPartition::toString)))
                .forEach(e -> problems.add(e.getValue()));
        return problems;
    }

    @Override
    protected Optional<String> noCapacity() {
        int stuck = leftovers.size();
        if (stuck >= settings.workers()) {
            return Optional.of("no free worker: all " + settings.workers() + " are held by given-up attempts that "
                    + "have not returned");
        }
        return Optional.empty();
    }

    private void awaitWorkers() {
        try {
            pool.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void publish() {
        inFlightSeen = jobs.size() + deadLettering.size();
    }

    /** Takes in everything reported since the last look. */
    private void drain() {
        Event e;
        while ((e = events.poll()) != null) {
            take(e);
        }
    }

    private void take(Event e) {
        if (e instanceof Ended ended) {
            ended(ended);
        } else if (e instanceof DeadLettered dead) {
            deadLettered(dead);
        } else if (e instanceof Returned returned) {
            staleReturned(returned.job(), returned.done());
        }
    }

    /** An attempt ended; an attempt already given up (its partition revoked, lost or closing) is not ours to count. */
    private void ended(Ended e) {
        Job job = e.job();
        if (!jobs.remove(job)) {
            return;
        }
        if (e.ending() == Ending.PAST_DEADLINE) {
            holdWhileRunning(job, "past its deadline");
        }
        if (e.ending() == Ending.DONE) {
            failedAttempts.remove(job.record);
            transientFailures.remove(job.record);
            job.work.done(job.record);
        } else {
            failed(job, e.failure());
        }
    }

    /** A failed attempt: again after a backoff, or to the dead-letter topic once it was the last one. */
    private void failed(Job job, Throwable failure) {
        ConsumerRecord<String, String> record = job.record;
        if (stopping || revoking.contains(job.work)) {
            // Not tried again here: the partition's next owner, or the next run, starts the record over.
            abandoned(record, (stopping ? "closing" : "partition revoked") + ", attempt " + job.attempt
                    + " failed (" + failure + ") and is not tried again");
            return;
        }
        if (failure instanceof RetriableProcessingException) {
            // Not the record's fault: wait and try again, as often as it takes, without using up an attempt.
            int waits = transientFailures.merge(record, 1, Integer::sum);
            Duration backoff = policy.backoffAfter(waits);
            if (job.attempt > 1) {
                failedAttempts.put(record, job.attempt - 1);
            } else {
                failedAttempts.remove(record);
            }
            LOG.warn("BACKOFF {} {}: {} (transient, {} in a row); attempt {} of {} not used up, again in {} ms",
                    record.key(), RunStats.id(record), failure.getMessage(), waits, job.attempt, policy.maxAttempts(),
                    backoff.toMillis());
            job.work.retryLater(record, System.nanoTime() + backoff.toNanos());
            return;
        }
        transientFailures.remove(record);
        if (job.attempt < policy.maxAttempts()) {
            Duration backoff = policy.backoffAfter(job.attempt);
            failedAttempts.put(record, job.attempt);
            stats.retried();
            LOG.warn("RETRY {} {} attempt {} of {} failed: {}; next attempt in {} ms", record.key(),
                    RunStats.id(record), job.attempt, policy.maxAttempts(), failure, backoff.toMillis());
            job.work.retryLater(record, System.nanoTime() + backoff.toNanos());
            return;
        }
        failedAttempts.remove(record);
        String dlt = DeadLetters.topicFor(record.topic());
        LOG.warn("POISON {} {} topic={} partition={} offset={} failed {} of {} attempts, the last with {}; sending it "
                        + "to {}", record.key(), RunStats.id(record), record.topic(), record.partition(),
                record.offset(), job.attempt, policy.maxAttempts(), failure, dlt, failure);
        PartitionWork work = job.work;
        deadLettering.put(record, work);
        deadLetters.publish(record, failure, job.attempt, sendFailure -> {
            events.add(new DeadLettered(work, record, sendFailure));
            wakeUp();
        });
    }

    private void deadLettered(DeadLettered d) {
        if (deadLettering.remove(d.record()) == null) {
            return;
        }
        ConsumerRecord<String, String> record = d.record();
        if (d.failure() == null) {
            stats.deadLettered(record);
            d.work().done(record);
            return;
        }
        if (revoking.contains(d.work()) || stopping) {
            abandoned(record, "dead-letter send failed while " + (stopping ? "closing" : "the partition was revoked")
                    + " (" + d.failure() + ")");
            return;
        }
        String why = "partition " + d.work().partition + " stopped at offset " + record.offset() + ": "
                + RunStats.id(record) + " failed its " + policy.maxAttempts() + " attempt(s) and could not be written to"
                + " "
                + DeadLetters.topicFor(record.topic()) + " in " + FailurePolicy.DEAD_LETTER_SENDS + " sends ("
                + d.failure() + ")";
        stopped.put(d.work().partition, why);
        d.work().stopAt(record);
        LOG.error("STOPPED {}; nothing from offset {} on is committed, /health reports it", why, record.offset());
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
        while (startedAny && occupiedWorkers() < settings.workers()) {
            startedAny = false;
            // One record per partition per round, from a different partition each time: none waits for ever.
            for (int i = 0; i < n && occupiedWorkers() < settings.workers(); i++) {
                PartitionWork work = works.get((rotation + i) % n);
                if (work.canStart()) {
                    ConsumerRecord<String, String> record = work.start();
                    Job job = new Job(work, record, failedAttempts.getOrDefault(record, 0) + 1);
                    jobs.add(job);
                    pool.execute(job);
                    startedAny = true;
                }
            }
        }
        rotation++;
    }

    /** Workers busy with attempts in flight, plus workers still held by given-up attempts: capacity already used. */
    private int occupiedWorkers() {
        return jobs.size() + leftovers.size();
    }

    /**
     * Records the member holds: per partition, the offsets from its commit offset to the last one received (what a
     * crash would make the next owner read again), summed. Bounded by {@code --max-buffered}, plus at most one poll's
     * {@code max.poll.records}. Any thread may ask.
     */
    public long recordsBuffered() {
        return bufferedSeen;
    }

    /**
     * Pauses busy partitions (see {@link PartitionWork#busy}; all when stopping, and all while the member as a whole
     * holds {@code --max-buffered} records) and resumes the others; only
     * partitions still assigned and still ours (a partition revoked in the listener may still be in
     * {@code assignment()} for a moment under the consumer protocol, whose background thread removes it after the
     * callback).
     */
    private void syncPauses(KafkaConsumer<String, String> consumer) {
        long buffered = owned.values().stream().mapToLong(PartitionWork::span).sum();
        bufferedSeen = buffered;
        boolean nowFull = buffered >= settings.maxBuffered();
        if (nowFull != full) {
            full = nowFull;
            if (full) {
                LOG.info("BUFFER full: the member holds {} records from its partitions' commit offsets on "
                        + "(--max-buffered {}): every partition paused until it holds fewer", buffered,
                        settings.maxBuffered());
            } else {
                LOG.info("BUFFER room again: the member holds {} records (--max-buffered {})", buffered,
                        settings.maxBuffered());
            }
        }
        Set<TopicPartition> paused = consumer.paused();
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        for (TopicPartition tp : consumer.assignment()) {
            PartitionWork work = owned.get(tp);
            if (work == null) {
                continue;
            }
            boolean busy = stopping || full || work.busy();
            if (busy && !paused.contains(tp)) {
                pause.add(tp);
            } else if (!busy && paused.contains(tp)) {
                resume.add(tp);
            }
        }
        apply(consumer::pause, pause);
        apply(consumer::resume, resume);
    }

    /**
     * Pauses or resumes; a partition that the client's background thread unassigned in the meantime (consumer
     * protocol: "No current assignment for partition …") is skipped, not a reason to end the loop.
     */
    private static void apply(java.util.function.Consumer<Collection<TopicPartition>> change,
            Set<TopicPartition> partitions) {
        try {
            change.accept(partitions);
        } catch (IllegalStateException unassigned) {
            for (TopicPartition tp : partitions) {
                try {
                    change.accept(Set.of(tp));
                } catch (IllegalStateException gone) {
                    LOG.info("PAUSE skipped for {}: {}", tp, gone.getMessage());
                }
            }
        }
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
        Map<TopicPartition, OffsetAndMetadata> committed = null;
        long deadline = System.nanoTime() + commitTimeout.toNanos();
        while (committed == null) {
            try {
                committed = consumer.committed(new HashSet<>(partitions),
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (WakeupException woken) {
                // A wake-up asked for just before this callback: used up by the throw, the read is still wanted.
                if (System.nanoTime() >= deadline) {
                    LOG.warn("RESUME {} without the committed metadata (no time left after a wake-up): records "
                            + "finished before the hand-over will run again", RebalanceLogger.names(partitions));
                    return;
                }
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException e) {
                LOG.warn("RESUME {} without the committed metadata ({}: {}): records finished before the hand-over "
                        + "will run again", RebalanceLogger.names(partitions), e.getClass().getSimpleName(),
                        e.getMessage());
                return;
            }
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
        String first = offsets.stream().limit(10).map(String::valueOf).collect(Collectors.joining(", "));
        return offsets.size() <= 10 ? first : first + " and " + (offsets.size() - 10) + " more";
    }

    /**
     * Counts, as abandoned, the records that finished here but that no accepted commit covers (the last commits
     * failed): the partition's next owner runs them again, and the ledger must say so ({@code duplicates} stays
     * within {@code abandoned}).
     */
    private void uncommitted(PartitionWork work, String why) {
        int n = work == null ? 0 : work.finishedSinceCommit();
        if (n == 0) {
            return;
        }
        for (int i = 0; i < n; i++) {
            stats.abandoned();
        }
        LOG.warn("ABANDONED {} record(s) of {} finished here since the last accepted commit: {}, not committed; the "
                + "next owner runs them again", n, work.partition, why);
    }

    /** Gives up everything of a partition: interrupts its attempts, forgets its records; none of it is committed. */
    private void giveUp(PartitionWork work, String why) {
        if (work == null) {
            return;
        }
        for (Iterator<Job> it = jobs.iterator(); it.hasNext(); ) {
            Job job = it.next();
            if (job.work == work) {
                it.remove();
                job.giveUp();
                abandoned(job.record, why);
                holdWhileRunning(job, why);
            }
        }
        for (Iterator<Map.Entry<ConsumerRecord<String, String>, PartitionWork>> it =
                deadLettering.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ConsumerRecord<String, String>, PartitionWork> e = it.next();
            if (e.getValue() == work) {
                it.remove();
                abandoned(e.getKey(), why + ", its dead-letter send still in flight");
            }
        }
        failedAttempts.keySet().removeIf(r -> r.partition() == work.partition.partition()
                && r.topic().equals(work.partition.topic()));
        transientFailures.keySet().removeIf(r -> r.partition() == work.partition.partition()
                && r.topic().equals(work.partition.topic()));
        stopped.remove(work.partition);
        work.abandon();
    }

    /**
     * If {@code job}'s worker is still inside the attempt given up on, holds its record and key (see {@link #stale})
     * until it returns: a retry, or the record fetched again after a re-assignment, never runs beside it.
     */
    private void holdWhileRunning(Job job, String why) {
        Thread worker = job.heldWorker();
        if (worker == null) {
            return; // returned already: its Returned event, if any, finds nothing to release
        }
        stale.computeIfAbsent(job.work.partition, tp -> new HashSet<>()).add(job);
        PartitionWork current = owned.get(job.work.partition);
        if (current != null) {
            current.holdStale(job.record);
        }
        LOG.warn("HOLD {} {}: attempt {} was given up ({}) but {} is still inside it; neither the record nor the "
                + "later records of its key start until it returns", job.record.key(), RunStats.id(job.record),
                job.attempt, why, worker.getName());
    }

    /**
     * A given-up attempt's worker returned: its record and key may go on. If it finished the record after all, a
     * retry waiting for it is not run: the record is done (a dead letter already on its way stays one).
     */
    private void staleReturned(Job job, boolean done) {
        Set<Job> running = stale.get(job.work.partition);
        if (running == null || !running.remove(job)) {
            return;
        }
        if (running.isEmpty()) {
            stale.remove(job.work.partition);
        }
        PartitionWork current = owned.get(job.work.partition);
        boolean retryDropped = false;
        if (current != null) {
            current.staleReturned(job.record);
            if (done && current.doneWhileWaitingForRetry(job.record)) {
                failedAttempts.remove(job.record);
                transientFailures.remove(job.record);
                retryDropped = true;
            }
        }
        LOG.info("HOLD over {} {}: the given-up attempt {} returned{}", job.record.key(), RunStats.id(job.record),
                job.attempt, retryDropped ? " having processed it after all: done, its retry dropped" : "");
    }

    private void abandoned(ConsumerRecord<String, String> record, String why) {
        stats.abandoned();
        LOG.info("ABANDONED {} {}: {}, not committed", record.key(), RunStats.id(record), why);
    }

    /** Called by the watchdog thread when an attempt passes its deadline, just after its worker was interrupted. */
    private void deadlinePassed(JobWatch.Job watchedJob) {
        Job job = watched.get(watchedJob);
        if (job != null) {
            job.settle(Ending.PAST_DEADLINE, new TimeoutException(watchedJob.what() + " still running after the "
                    + policy.recordDeadline().toMillis() + " ms record deadline on " + watchedJob.thread().getName()
                    + "; interrupted"));
        }
    }

    /**
     * One attempt at one record on a worker thread. It ends exactly once: settled by its worker (done or failed), by
     * the watchdog (past its deadline), or by the poll thread (given up); whichever comes first counts.
     */
    private final class Job implements Runnable {
        private final PartitionWork work;
        private final ConsumerRecord<String, String> record;
        private final int attempt;
        /** The worker while it is inside {@link #run()}; guarded by this. */
        private Thread worker;
        /** Guarded by this. */
        private boolean settled;

        Job(PartitionWork work, ConsumerRecord<String, String> record, int attempt) {
            this.work = work;
            this.record = record;
            this.attempt = attempt;
        }

        @Override
        public void run() {
            synchronized (this) {
                if (settled) {
                    return;
                }
                worker = Thread.currentThread();
            }
            Ending ending = Ending.FAILED;
            Throwable failure = null;
            JobWatch.Job watch = jobWatch.start(RunStats.id(record));
            watched.put(watch, this);
            try {
                if (processor.process(record)) {
                    ending = Ending.DONE;
                    stats.processed(record);
                } else {
                    ending = Ending.FAILED;
                    failure = new IllegalStateException("the processor gave up on " + RunStats.id(record)
                            + " (returned false)");
                }
            } catch (Throwable t) {
                // Errors too (AssertionError, StackOverflowError, NoClassDefFoundError…): no failure goes unheard.
                ending = Ending.FAILED;
                failure = t;
            } finally {
                watch.close();
                watched.remove(watch);
                synchronized (this) {
                    worker = null;
                }
                if (leftovers.remove(this)) {
                    // Given up while it ran: its record and key were held for it.
                    events.add(new Returned(this, ending == Ending.DONE));
                    wakeUp();
                }
                // Neither the watchdog (closed) nor giveUp (worker cleared) interrupts this job any more: an interrupt
                // still pending was meant for it and must not reach the worker's next job.
                Thread.interrupted();
            }
            settle(ending, failure);
        }

        /** The worker still inside this attempt after it was given up on, or null once it has returned. */
        Thread heldWorker() {
            synchronized (this) {
                return leftovers.contains(this) ? worker : null;
            }
        }

        /** Reports how the attempt ended, unless it is settled already; a worker still inside counts as held. */
        void settle(Ending ending, Throwable failure) {
            synchronized (this) {
                if (settled) {
                    return;
                }
                settled = true;
                if (worker != null && worker != Thread.currentThread()) {
                    leftovers.add(this);
                }
            }
            events.add(new Ended(this, ending, failure));
            wakeUp();
        }

        /** Gives the attempt up from the poll thread: interrupts its worker, which counts as held until it returns. */
        void giveUp() {
            synchronized (this) {
                if (settled) {
                    return;
                }
                settled = true;
                if (worker != null) {
                    leftovers.add(this);
                    worker.interrupt();
                }
            }
        }
    }
}
