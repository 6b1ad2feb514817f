package dev.starvation.kafka.share;

import dev.starvation.common.JobWatch;
import dev.starvation.common.StallWatchdog;
import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.ops.RunStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fix under a share group: workers process, the poll thread keeps the records' locks. It takes no more records
 * than it has workers, waiting for them in one poll so that the client fetches none behind them
 * ({@link ShareMember#awaitRecords}); it renews each one's lock before its work starts and every half lock while it
 * runs, and once the work ends acknowledges it: ACCEPT, or RELEASE for another try after a failure, or REJECT at the
 * last attempt. A record a poll hands back after a RENEW is one it already holds and is not started again. Each
 * attempt is watched against {@code --record-deadline} ({@link JobWatch}): past it the worker is interrupted, the
 * attempt fails and the lock is no longer renewed; a worker that ignores the interrupt gets no record until it comes
 * back.
 *
 * <p>Past the length we aim for, on purpose: the renewals, acknowledgements and deadlines all act on the same records
 * in work and must stay on the poll thread, between two polls; {@link LockRenewer} and {@link ShareLedger} hold what
 * could be taken out.
 */
final class RenewingShareConsumer extends ShareMember {

    private static final Logger LOG = LoggerFactory.getLogger(RenewingShareConsumer.class);
    /** Between polls the poll thread waits for a finished record at most this long before it looks round again. */
    private static final long WAIT_SLICE_MS = 100;
    /**
     * A worker still on its record this long after its deadline's interrupt is ignoring it (one that honours it is
     * back within milliseconds): only then is it reported lost, and records waiting for a worker given back when every
     * worker is.
     */
    private static final long IGNORED_AFTER_MS = 1_000;
    /** A closing member waits at most this long for its interrupted workers (not for those already lost). */
    private static final long CLOSE_WAIT_MS = 2_000;

    /** How an attempt ended, read on the poll thread: from its worker, or from the watchdog at its deadline. */
    private record Finished(LockRenewer.InFlight held, LockRenewer.Result result, Throwable error) {
    }

    private final ThreadPoolExecutor workers;
    private final BlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    private final LockRenewer renewer = new LockRenewer();
    private final JobWatch jobWatch;
    /** The record each watched attempt works on, for the deadline's callback. */
    private final Map<JobWatch.Job, LockRenewer.InFlight> watched = new ConcurrentHashMap<>();
    /**
     * Workers handed an attempt that has not returned yet, whatever became of its record: counted here rather than
     * read from the pool, whose counts lag behind a worker that has just reported.
     */
    private final AtomicInteger busy = new AtomicInteger();
    /** Attempts whose worker ignored the deadline's interrupt and is still inside. Poll thread only. */
    private final Set<JobWatch.Job> lost = new LinkedHashSet<>();
    private long closeByNanos = Long.MAX_VALUE;
    private volatile int stuckAtClose;
    /** Set just before a closing member interrupts its workers: what an attempt does then is no failed attempt. */
    private volatile boolean interruptedByClose;

    RenewingShareConsumer(String name, ShareSettings settings, Processor processor, ShareLedger ledger,
            StallWatchdog watchdog, int lockMs) {
        super(name, settings, processor, ledger, watchdog, lockMs);
        AtomicInteger n = new AtomicInteger();
        // Unbounded but never queues: an attempt is handed over only when a worker is free (see freeWorkers).
        this.workers = new ThreadPoolExecutor(settings.workers(), settings.workers(), 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, name + "-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.jobWatch = new JobWatch(watchdog, settings.recordDeadline(), settings.stallShare(), this::deadlinePassed);
    }

    @Override
    String describe() {
        return "explicit acknowledgement, " + settings.workers() + " worker(s), at most " + settings.recordsPerPoll()
                + " record(s) per poll, one poll to wait for records when it holds none, RENEW before the work starts"
                + " and every half lock while it runs, " + deadlineMillis() + " ms deadline per attempt";
    }

    private long deadlineMillis() {
        return settings.recordDeadline().toMillis();
    }

    @Override
    void handle(KafkaShareConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
        long now = System.nanoTime();
        List<ConsumerRecord<String, String>> fresh = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            switch (renewer.returned(record, now, lockMs * 1_000_000L)) {
                case NEW -> {
                    ledger.delivered(name, record);
                    fresh.add(record);
                }
                // Handed back after our RENEW: the lock is confirmed, and the work may start (dispatch) or runs on.
                case AGAIN -> {
                    ledger.returnedAgain();
                    renewer.get(RunStats.id(record)).confirmed = true;
                }
                case REDELIVERED -> {
                    ledger.delivered(name, record);
                    LOG.warn("REDELIVERED {} {} to {} (delivery {}) while it still works on it: its lock had ended;"
                            + " the work goes on, it is not started twice", record.key(), RunStats.id(record), name,
                            ShareLedger.deliveryCount(record));
                }
            }
        }
        logBatch(fresh, settings.deliveryLimit());
        dispatch();
    }

    /**
     * Starts confirmed records, oldest first, while a worker is free; a closing member starts none (they are released).
     * A record that finds no free worker waits, its lock renewed, until one is.
     */
    private void dispatch() {
        for (LockRenewer.InFlight f : renewer.waiting()) {
            if (stopRequested()) {
                f.result = LockRenewer.Result.NOT_STARTED;
            } else if (freeWorkers() > 0) {
                busy.incrementAndGet();
                f.job = workers.submit(() -> work(f));
            } else {
                return;
            }
        }
    }

    /** Workers with no attempt: a worker still inside an attempt past its deadline is not free, however long. */
    private int freeWorkers() {
        return Math.max(0, settings.workers() - busy.get());
    }

    private void work(LockRenewer.InFlight held) {
        if (!held.claim()) {
            // Given up (its lock lost) before it could start: whoever gave it up freed the worker.
            return;
        }
        ConsumerRecord<String, String> record = held.record;
        ledger.started(name, record);
        JobWatch.Job watch = jobWatch.start(RunStats.id(record));
        watched.put(watch, held);
        LockRenewer.Result result;
        Throwable error = null;
        boolean threw = false;
        try {
            if (processor.process(record)) {
                result = LockRenewer.Result.DONE;
            } else if (stopRequested() || interruptedByClose) {
                result = LockRenewer.Result.INTERRUPTED;
            } else {
                result = LockRenewer.Result.FAILED;
                error = new IllegalStateException("the processor gave up on " + RunStats.id(record)
                        + " (returned false)");
            }
        } catch (Throwable t) {
            // Errors too (AssertionError, StackOverflowError…): the pool's FutureTask would swallow them, and the
            // record would be renewed for ever with nobody working on it.
            error = t;
            threw = true;
            // A processor that throws on the close's interrupt (wrapping InterruptedException, as many do) did not
            // fail: counted as a failure, the last attempt would be rejected, and the record archived unprocessed.
            result = interruptedByClose ? LockRenewer.Result.INTERRUPTED : LockRenewer.Result.FAILED;
        } finally {
            watch.close();
            watched.remove(watch);
            busy.decrementAndGet();
        }
        if (watch.interrupted()) {
            // The deadline decided this attempt: what the work did after changes nothing, and is never acknowledged.
            ledger.finished(name, record, false);
            long late = watch.ageMillis() - deadlineMillis();
            if (late >= IGNORED_AFTER_MS) {
                LOG.warn("LATE {} back from {} {} ms after its {} ms deadline ({}): ignored, the attempt had failed at"
                        + " the deadline", Thread.currentThread().getName(), RunStats.id(record), late, deadlineMillis(),
                        ending(result, error));
            }
            finished.add(new Finished(held, LockRenewer.Result.PAST_DEADLINE, pastDeadline(watch)));
            return;
        }
        if (threw && result == LockRenewer.Result.FAILED) {
            ledger.failed();
        }
        ledger.finished(name, record, result == LockRenewer.Result.DONE);
        finished.add(new Finished(held, result, error));
    }

    private static String ending(LockRenewer.Result result, Throwable error) {
        return result == LockRenewer.Result.DONE ? "done" : error != null ? error.toString() : "interrupted";
    }

    /**
     * On the watchdog's thread, just after it interrupted the worker: the attempt has failed. The worker reports the
     * same when it returns, so the record is settled even if this comes too late to find it; the first report counts.
     */
    private void deadlinePassed(JobWatch.Job job) {
        ledger.deadlinePassed();
        LockRenewer.InFlight f = watched.get(job);
        if (f != null) {
            finished.add(new Finished(f, LockRenewer.Result.PAST_DEADLINE, pastDeadline(job)));
        }
    }

    private TimeoutException pastDeadline(JobWatch.Job job) {
        return new TimeoutException(job.what() + " still running after the " + deadlineMillis() + " ms record deadline"
                + " on " + job.thread().getName() + "; interrupted");
    }

    /**
     * Every record the last poll handed over must be acknowledged before the next poll. Until each is, the poll thread
     * acknowledges the finished ones at once and renews the others when due (new ones at once), waiting for workers in
     * short slices.
     */
    @Override
    void afterPoll(KafkaShareConsumer<String, String> consumer) {
        boolean outcomes = false;
        unanswered(System.nanoTime());
        while (renewer.hasHeld()) {
            drainFinished();
            watchCapacity();
            if (lost.size() >= settings.workers()) {
                // Nobody will start them: give them back now rather than renew them for ever.
                renewer.unstarted().forEach(f -> f.result = LockRenewer.Result.NO_WORKER);
            }
            dispatch();
            for (LockRenewer.InFlight f : renewer.takeFinishedHeld()) {
                acknowledgeOutcome(consumer, f);
                outcomes = true;
            }
            long now = System.nanoTime();
            if (stopRequested() && now >= closeBy()) {
                break;
            }
            unanswered(now);
            List<LockRenewer.InFlight> due = renewer.takeDue(now, lockMs * 1_000_000L);
            if (!due.isEmpty()) {
                renew(consumer, due);
                // Sent now, and waited for: a poll while a RENEW is on its way sends it with a fetch, which acquires
                // new records that then wait in the client, their locks running out, until every renewal is back.
                commit(consumer);
            }
            if (renewer.hasHeld()) {
                long untilRenew = renewer.nanosToRenew(System.nanoTime()) / 1_000_000;
                awaitFinished(Math.min(WAIT_SLICE_MS, Math.max(1, untilRenew)));
                heartbeat.beat();
            }
        }
        if (outcomes) {
            // Outcomes go out now rather than with the next fetch; the broker's answer comes back through the callback.
            consumer.commitAsync();
        }
    }

    /**
     * Holding nothing, the member waits for records in one poll (see {@link #awaitRecords}): that way the client never
     * fetches records behind the ones it hands over, where their locks would run out unseen.
     */
    @Override
    boolean waitsIdle() {
        return renewer.isEmpty();
    }

    /**
     * With nothing held and no free worker, only attempts past their deadline can be keeping the workers (a record in
     * work is held): the member does not poll, since a poll would take records that nobody can start.
     */
    @Override
    boolean mayPoll() {
        watchCapacity();
        if (!renewer.isEmpty() || freeWorkers() > 0) {
            return true;
        }
        awaitFinished(WAIT_SLICE_MS);
        heartbeat.beat();
        return false;
    }

    /** Logs a worker lost to an attempt that ignores its deadline's interrupt, and its coming back. */
    private void watchCapacity() {
        long deadline = deadlineMillis();
        Set<JobWatch.Job> ignoring = jobWatch.overdue().stream()
                .filter(j -> j.ageMillis() >= deadline + IGNORED_AFTER_MS)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        int all = settings.workers();
        for (Iterator<JobWatch.Job> it = lost.iterator(); it.hasNext(); ) {
            JobWatch.Job j = it.next();
            if (!ignoring.contains(j)) {
                it.remove();
                LOG.info("CAPACITY {} back to {} of {} worker(s): {} came back from {}", name, all - lost.size(), all,
                        j.thread().getName(), j.what());
            }
        }
        for (JobWatch.Job j : ignoring) {
            if (lost.add(j)) {
                LOG.warn("CAPACITY {} down to {} of {} worker(s): {} has ignored the interrupt on {} for {} ms past its"
                        + " {} ms deadline; no record goes to it until it comes back{}", name, all - lost.size(), all,
                        j.thread().getName(), j.what(), j.ageMillis() - deadline, deadline, lost.size() >= all
                                ? "; this member takes no records meanwhile" : "");
            }
        }
    }

    /**
     * Gives up the records whose lock has ended, by this member's clock, with their RENEW neither answered nor the
     * record handed back (a commit that timed out, an answer lost): without this they would stay renewing for ever,
     * their work going on while the broker hands them to another member.
     */
    private void unanswered(long now) {
        for (LockRenewer.InFlight f : renewer.takeLapsed(now)) {
            stopWork(f);
            LOG.warn("LOCK LOST {} {} on {}: no answer to its RENEW and not handed back before its lock ended; the "
                    + "broker hands it to another member; {}", f.record.key(), RunStats.id(f.record), name,
                    f.started() ? "work stopped here" : "not started");
        }
    }

    private void renew(KafkaShareConsumer<String, String> consumer, List<LockRenewer.InFlight> due) {
        List<String> inWork = new ArrayList<>();
        List<String> before = new ArrayList<>();
        for (LockRenewer.InFlight f : due) {
            consumer.acknowledge(f.record, AcknowledgeType.RENEW);
            ledger.sent(name, f.record, AcknowledgeType.RENEW, f.lockEndNanos);
            (f.started() ? inWork : before).add(RunStats.id(f.record));
        }
        if (!before.isEmpty()) {
            LOG.info("RENEW {} {} before starting: is the lock still ours?", name, before);
        }
        if (!inWork.isEmpty()) {
            LOG.info("RENEW {} {} in work (lock {} ms, renewed every {} ms)", name, inWork, lockMs, lockMs / 2);
        }
    }

    private void acknowledgeOutcome(KafkaShareConsumer<String, String> consumer, LockRenewer.InFlight f) {
        ConsumerRecord<String, String> record = f.record;
        AcknowledgeType type = switch (f.result) {
            case DONE -> AcknowledgeType.ACCEPT;
            case FAILED, PAST_DEADLINE -> onFailure(record, f.error);
            case INTERRUPTED -> {
                LOG.info("ABANDONED {} {} on {}: closing past the shutdown grace; {}, not processed", record.key(),
                        RunStats.id(record), name, released(record));
                yield AcknowledgeType.RELEASE;
            }
            case NOT_STARTED -> {
                LOG.info("ABANDONED {} {} on {}: closing before its work started; {}", record.key(),
                        RunStats.id(record), name, released(record));
                yield AcknowledgeType.RELEASE;
            }
            case NO_WORKER -> {
                LOG.warn("RELEASE {} {} on {}: not started, all {} worker(s) are held by attempts that ignored their"
                        + " deadline's interrupt; {}", record.key(), RunStats.id(record), name, settings.workers(),
                        released(record));
                yield AcknowledgeType.RELEASE;
            }
        };
        consumer.acknowledge(record, type);
        ledger.sent(name, record, type, f.lockEndNanos);
    }

    /**
     * What a RELEASE of {@code record} does: the broker counted its delivery when it handed it over, and archives a
     * record released on its last delivery (SharePartition, 4.3.1), started or not.
     */
    private String released(ConsumerRecord<String, String> record) {
        int delivery = ShareLedger.deliveryCount(record);
        return delivery < settings.deliveryLimit() ? "released to the group"
                : "released, but this was its last delivery (" + delivery + " of " + settings.deliveryLimit()
                        + "): the broker archives it unprocessed";
    }

    /** RELEASE for another try while attempts remain, REJECT at the last one (the broker archives it either way). */
    private AcknowledgeType onFailure(ConsumerRecord<String, String> record, Throwable error) {
        int attempt = ShareLedger.deliveryCount(record);
        int last = Math.min(settings.maxAttempts(), settings.deliveryLimit());
        if (attempt < last) {
            LOG.warn("RELEASE {} {} on {}: attempt {} of {} failed ({}); back to the group for another try",
                    record.key(), RunStats.id(record), name, attempt, last, error.toString());
            return AcknowledgeType.RELEASE;
        }
        LOG.warn("REJECT {} {} on {}: attempt {} of {} failed ({}); archived, never processed", record.key(),
                RunStats.id(record), name, attempt, last, error.toString());
        return AcknowledgeType.REJECT;
    }

    @Override
    void answered(List<ShareLedger.Ack> acks) {
        Boolean renewDisabled = null;
        for (ShareLedger.Ack ack : acks) {
            if (ack.type == AcknowledgeType.RENEW && ack.answer == ShareLedger.Answer.OK) {
                // The broker renewed the lock: that alone lets the work start, whether or not a poll hands the record
                // back (4.3.1's clients do, after every RENEW; the terminal acknowledgement waits for that).
                renewer.renewed(ack.recordId, ack.sentNanos, lockMs * 1_000_000L);
                continue;
            }
            if (ack.type != AcknowledgeType.RENEW || ack.answer != ShareLedger.Answer.REFUSED) {
                continue;
            }
            if (renewDisabled == null) {
                renewDisabled = renewDisabled(ack);
            }
            // The client drops a record whose RENEW failed: no poll hands it back, and it cannot be acknowledged.
            LockRenewer.InFlight f = renewer.lost(ack.recordId);
            stopWork(f);
            String record = (f == null ? "" : f.record.key() + " ") + ack.recordId;
            String work = f != null && !f.started() ? "not started" : "work stopped here";
            if (renewDisabled) {
                LOG.warn("LOCK LOST {} on {}: renewing is disabled for group {} ({}=false), so its lock ends after {}"
                        + " ms whatever this member does and the broker hands it to another member; {}", record, name,
                        settings.group(), ShareGroupSetup.RENEW, lockMs, work);
            } else if (f != null && !f.started()) {
                LOG.warn("STALE {} on {}: its lock had ended before the work could start (it waited in the client):"
                        + " {}; not started, the broker hands it to another member", record, name, ack.error);
            } else {
                LOG.warn("LOCK LOST {} on {}: RENEW refused ({}); the broker hands it to another member when its lock"
                        + " ends; {}", record, name, ack.error, work);
            }
        }
    }

    /** Whether a refused RENEW was refused because the group forbids renewal (the error alone may not say). */
    private boolean renewDisabled(ShareLedger.Ack refused) {
        if (refused.error != null && refused.error.contains("not enabled")) {
            return true;
        }
        try {
            return !ShareGroupSetup.renewEnabled(settings.bootstrapServers(), settings.group());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Interrupts the work on a record given up; if it never began, it never will, and its worker is free now. */
    private void stopWork(LockRenewer.InFlight f) {
        if (f == null || !f.started()) {
            return;
        }
        if (f.claim()) {
            busy.decrementAndGet();
        } else {
            f.job.cancel(true);
        }
    }

    @Override
    void finish(KafkaShareConsumer<String, String> consumer) {
        closeBy();
        // Keep polling while the last records finish: their locks keep being renewed, nothing new is fetched.
        while (!renewer.isEmpty() && System.nanoTime() < closeByNanos) {
            ConsumerRecords<String, String> records = poll(consumer);
            handle(consumer, records);
            afterPoll(consumer);
        }
        interruptedByClose = true;
        workers.shutdownNow();
        awaitWorkers();
        drainFinished();
        stuckAtClose = jobWatch.running();
        if (stuckAtClose > 0) {
            LOG.warn("CLOSING {} leaves {} worker(s) behind, still inside their attempt{}", name, stuckAtClose,
                    jobWatch.unhealthyReason().map(r -> ": " + r).orElse(""));
        }
        for (LockRenewer.InFlight f : renewer.takeAll()) {
            if (f.state == LockRenewer.State.HELD) {
                if (f.result == null) {
                    f.result = f.started() ? LockRenewer.Result.INTERRUPTED : LockRenewer.Result.NOT_STARTED;
                }
                acknowledgeOutcome(consumer, f);
            } else {
                // Renewing: the client cannot acknowledge it; closing the consumer releases it.
                LOG.info("ABANDONED {} {} on {}: closing past the shutdown grace; released by the close, not"
                        + " processed", f.record.key(), RunStats.id(f.record), name);
            }
        }
    }

    /** When a closing member stops waiting for its records, set the first time it is asked. */
    private long closeBy() {
        if (closeByNanos == Long.MAX_VALUE && stopRequested()) {
            closeByNanos = System.nanoTime() + settings.shutdownGrace().toNanos();
            LOG.info("CLOSING {} on {} with {} record(s) in work, grace {} ms", name, settings.topic(), renewer.size(),
                    settings.shutdownGrace().toMillis());
        }
        return closeByNanos;
    }

    @Override
    int stuckWorkers() {
        return stuckAtClose;
    }

    private void drainFinished() {
        Finished f;
        while ((f = finished.poll()) != null) {
            renewer.finished(f.held(), f.result(), f.error());
        }
    }

    private void awaitFinished(long millis) {
        try {
            Finished f = finished.poll(millis, TimeUnit.MILLISECONDS);
            if (f != null) {
                renewer.finished(f.held(), f.result(), f.error());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
        }
    }

    /** Waits for the interrupted workers, but not for those already lost: they ignore interrupts. */
    private void awaitWorkers() {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MS);
        try {
            while (!workers.awaitTermination(10, TimeUnit.MILLISECONDS) && System.nanoTime() < until) {
                watchCapacity();
                if (jobWatch.running() <= lost.size()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    void release() {
        workers.shutdownNow();
    }
}
