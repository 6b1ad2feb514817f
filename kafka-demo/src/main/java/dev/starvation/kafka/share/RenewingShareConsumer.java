package dev.starvation.kafka.share;

import dev.starvation.common.StallWatchdog;
import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.ops.RunStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fix under a share group: workers process, the poll thread keeps the records' locks. It takes no more records
 * than it has workers, renews each one's lock before its work starts and every half lock while it runs, and once the
 * work ends acknowledges it: ACCEPT, or RELEASE for another try after a failure, or REJECT at the last attempt. A
 * record a poll hands back after a RENEW is one it already holds and is not started again.
 */
final class RenewingShareConsumer extends ShareMember {

    private static final Logger LOG = LoggerFactory.getLogger(RenewingShareConsumer.class);
    /** Between polls the poll thread waits for a finished record at most this long before it looks round again. */
    private static final long WAIT_SLICE_MS = 100;

    /** A worker's report, read on the poll thread. */
    private record Finished(LockRenewer.InFlight held, LockRenewer.Result result, RuntimeException error) {
    }

    private final ExecutorService workers;
    private final BlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    private final LockRenewer renewer = new LockRenewer();
    private long closeByNanos = Long.MAX_VALUE;

    RenewingShareConsumer(String name, ShareSettings settings, Processor processor, ShareLedger ledger,
            StallWatchdog watchdog, int lockMs) {
        super(name, settings, processor, ledger, watchdog, lockMs);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.workers(), r -> {
            Thread t = new Thread(r, name + "-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    String describe() {
        return "explicit acknowledgement, " + settings.workers() + " worker(s), at most " + settings.recordsPerPoll()
                + " record(s) per poll, RENEW before the work starts and every half lock while it runs";
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
                // Handed back after our RENEW: the lock is confirmed. The first time, the work starts; then it runs on.
                case AGAIN -> {
                    ledger.returnedAgain();
                    LockRenewer.InFlight f = renewer.get(RunStats.id(record));
                    if (!f.started() && stopRequested()) {
                        f.result = LockRenewer.Result.NOT_STARTED;
                    } else if (!f.started()) {
                        f.job = workers.submit(() -> work(f));
                    }
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
    }

    private void work(LockRenewer.InFlight held) {
        ConsumerRecord<String, String> record = held.record;
        ledger.started(name, record);
        LockRenewer.Result result;
        RuntimeException error = null;
        try {
            result = processor.process(record) ? LockRenewer.Result.DONE : LockRenewer.Result.INTERRUPTED;
        } catch (RuntimeException e) {
            result = LockRenewer.Result.FAILED;
            error = e;
            ledger.failed();
        }
        ledger.finished(name, record, result == LockRenewer.Result.DONE);
        finished.add(new Finished(held, result, error));
    }

    /**
     * Every record the last poll handed over must be acknowledged before the next poll. Until each is, the poll thread
     * acknowledges the finished ones at once and renews the others when due (new ones at once), waiting for workers in
     * short slices.
     */
    @Override
    void afterPoll(KafkaShareConsumer<String, String> consumer) {
        boolean outcomes = false;
        while (renewer.hasHeld()) {
            drainFinished();
            for (LockRenewer.InFlight f : renewer.takeFinishedHeld()) {
                acknowledgeOutcome(consumer, f);
                outcomes = true;
            }
            long now = System.nanoTime();
            if (stopRequested() && now >= closeBy()) {
                break;
            }
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
            case FAILED -> onFailure(record, f.error);
            case INTERRUPTED -> {
                LOG.info("ABANDONED {} {} on {}: closing past the shutdown grace; released to the group, not"
                        + " processed", record.key(), RunStats.id(record), name);
                yield AcknowledgeType.RELEASE;
            }
            case NOT_STARTED -> {
                LOG.info("ABANDONED {} {} on {}: closing before its work started; released to the group",
                        record.key(), RunStats.id(record), name);
                yield AcknowledgeType.RELEASE;
            }
        };
        consumer.acknowledge(record, type);
        ledger.sent(name, record, type, f.lockEndNanos);
    }

    /** RELEASE for another try while attempts remain, REJECT at the last one (the broker archives it either way). */
    private AcknowledgeType onFailure(ConsumerRecord<String, String> record, RuntimeException error) {
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
            if (ack.type != AcknowledgeType.RENEW || ack.answer != ShareLedger.Answer.REFUSED) {
                continue;
            }
            if (renewDisabled == null) {
                renewDisabled = renewDisabled(ack);
            }
            // The client drops a record whose RENEW failed: no poll hands it back, and it cannot be acknowledged.
            LockRenewer.InFlight f = renewer.lost(ack.recordId);
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

    @Override
    void finish(KafkaShareConsumer<String, String> consumer) {
        closeBy();
        // Keep polling while the last records finish: their locks keep being renewed, nothing new is fetched.
        while (!renewer.isEmpty() && System.nanoTime() < closeByNanos) {
            ConsumerRecords<String, String> records = consumer.poll(POLL_TIMEOUT);
            heartbeat.beat();
            handle(consumer, records);
            afterPoll(consumer);
        }
        workers.shutdownNow();
        awaitWorkers();
        drainFinished();
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
            LOG.info("CLOSING {} with {} record(s) in work, grace {} ms", name, renewer.size(),
                    settings.shutdownGrace().toMillis());
        }
        return closeByNanos;
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

    private void awaitWorkers() {
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    void release() {
        workers.shutdownNow();
    }
}
