package dev.starvation.kafka.share;

import dev.starvation.kafka.ops.RunStats;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the members of one share-group run did with each record, seen from their side: every delivery with the
 * broker's delivery count, every processing and whether another member was processing the same record at that moment,
 * every acknowledgement with the time its lock ran out and the broker's answer. {@link #reconcile} puts it against
 * what the broker says it finished ({@link ShareProgress}).
 */
final class ShareLedger {

    private static final Logger LOG = LoggerFactory.getLogger(ShareLedger.class);

    /** One delivery of a record to a member: the broker's delivery count, 1 for the first. */
    record Delivery(String member, int count) {
        @Override
        public String toString() {
            return count + ":" + member;
        }
    }

    /** The broker's answer to one acknowledgement. */
    enum Answer { OK, REFUSED }

    /** One acknowledgement a member sent; the answer comes later, from the acknowledgement commit callback. */
    static final class Ack {
        final String member;
        final String recordId;
        final AcknowledgeType type;
        final int deliveryCount;
        final long sentNanos;
        final long lockEndNanos;
        volatile Answer answer;
        volatile String error;

        Ack(String member, String recordId, AcknowledgeType type, int deliveryCount, long sentNanos,
                long lockEndNanos) {
            this.member = member;
            this.recordId = recordId;
            this.type = type;
            this.deliveryCount = deliveryCount;
            this.sentNanos = sentNanos;
            this.lockEndNanos = lockEndNanos;
        }

        /** Sent after the member's lock on the record had ended by its own clock: the broker had moved on. */
        boolean late() {
            return sentNanos > lockEndNanos;
        }

        long lateMillis() {
            return (sentNanos - lockEndNanos) / 1_000_000;
        }

        @Override
        public String toString() {
            String what = answer == null ? "unanswered" : answer == Answer.REFUSED ? "refused" : late() ? "late" : "ok";
            return type.name() + " " + what;
        }
    }

    /** Everything about one record. Guarded by itself. */
    private static final class RecordLog {
        final String id;
        final TopicPartition partition;
        final long offset;
        String key;
        final List<Delivery> deliveries = new ArrayList<>();
        final List<Ack> acks = new ArrayList<>();
        final Set<String> processingNow = new LinkedHashSet<>();
        int processed;
        int concurrent;

        RecordLog(TopicPartition partition, long offset) {
            this.partition = partition;
            this.offset = offset;
            this.id = partition + "@" + offset;
        }
    }

    private final Map<String, RecordLog> records = new ConcurrentHashMap<>();
    /** Acknowledgements waiting for their answer, per member and record, oldest first. */
    private final Map<String, Deque<Ack>> pending = new ConcurrentHashMap<>();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong concurrent = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong renewals = new AtomicLong();
    private final AtomicLong returnedAgain = new AtomicLong();
    private final AtomicLong released = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong deadlinePassed = new AtomicLong();

    /** The broker's delivery count of a record as handed over (1 for the first delivery). */
    static int deliveryCount(ConsumerRecord<?, ?> record) {
        return record.deliveryCount().map(Short::intValue).orElse(1);
    }

    private RecordLog log(TopicPartition partition, long offset) {
        return records.computeIfAbsent(partition + "@" + offset, id -> new RecordLog(partition, offset));
    }

    private RecordLog log(ConsumerRecord<String, String> record) {
        return log(new TopicPartition(record.topic(), record.partition()), record.offset());
    }

    /** A poll handed {@code record} to {@code member}, delivery number {@link #deliveryCount}. */
    void delivered(String member, ConsumerRecord<String, String> record) {
        RecordLog log = log(record);
        synchronized (log) {
            log.key = record.key();
            log.deliveries.add(new Delivery(member, deliveryCount(record)));
        }
    }

    /** A poll handed a record back that {@code member} holds already: renewed records come back (KAFKA-20458). */
    void returnedAgain() {
        returnedAgain.incrementAndGet();
    }

    /** {@code member} starts processing {@code record}; logs {@code CONCURRENT} if another member is processing it. */
    void started(String member, ConsumerRecord<String, String> record) {
        RecordLog log = log(record);
        List<String> others;
        synchronized (log) {
            others = new ArrayList<>(log.processingNow);
            log.processingNow.add(member);
            if (!others.isEmpty()) {
                log.concurrent++;
            }
        }
        if (!others.isEmpty()) {
            concurrent.incrementAndGet();
            LOG.warn("CONCURRENT {} {} started on {} (delivery {}) while {} still processing it", record.key(),
                    RunStats.id(record), member, deliveryCount(record), String.join(" and ", others) + (others.size() == 1
                            ? " is" : " are"));
        }
    }

    /** {@code member} stopped processing {@code record}; if it succeeded, logs {@code PROCESS} or {@code DUPLICATE}. */
    void finished(String member, ConsumerRecord<String, String> record, boolean success) {
        RecordLog log = log(record);
        int times;
        synchronized (log) {
            log.processingNow.remove(member);
            times = success ? ++log.processed : log.processed;
        }
        if (!success) {
            return;
        }
        processed.incrementAndGet();
        String where = "on " + member + ", delivery " + deliveryCount(record);
        if (times == 1) {
            LOG.info("PROCESS {} {} {}", record.key(), RunStats.id(record), where);
        } else {
            LOG.info("DUPLICATE {} {} ({} time) {}", record.key(), RunStats.id(record), ordinal(times), where);
        }
    }

    /** The processor threw on {@code record}. */
    void failed() {
        failed.incrementAndGet();
    }

    /** An attempt was still running at its deadline: its worker was interrupted and the attempt counts as failed. */
    void deadlinePassed() {
        deadlinePassed.incrementAndGet();
    }

    private static String ordinal(int n) {
        return switch (n) {
            case 2 -> "2nd";
            case 3 -> "3rd";
            default -> n + "th";
        };
    }

    /**
     * {@code member} acknowledged {@code record} with {@code type}; its lock on the record ends at {@code lockEndNanos}
     * by the member's clock (an upper bound: the broker started the lock before the poll handed the record over).
     */
    void sent(String member, ConsumerRecord<String, String> record, AcknowledgeType type, long lockEndNanos) {
        RecordLog log = log(record);
        Ack ack = new Ack(member, log.id, type, deliveryCount(record), System.nanoTime(), lockEndNanos);
        synchronized (log) {
            log.acks.add(ack);
        }
        pending.computeIfAbsent(member + " " + log.id, k -> new ArrayDeque<>()).add(ack);
        switch (type) {
            case RENEW -> renewals.incrementAndGet();
            case RELEASE -> released.incrementAndGet();
            case REJECT -> rejected.incrementAndGet();
            default -> { }
        }
    }

    /**
     * The broker answered {@code member}'s acknowledgements of {@code offsets} (one answer for the whole set: the
     * broker applies a partition's acknowledgements atomically). Logs one {@code ACK} line per type; returns the
     * acknowledgements answered, for the member to act on (a refused RENEW means the lock is lost).
     */
    List<Ack> answered(String member, Map<TopicIdPartition, Set<Long>> offsets, Exception exception) {
        List<Ack> answered = new ArrayList<>();
        Map<String, List<String>> idsByWord = new HashMap<>();
        offsets.forEach((tip, set) -> new TreeSet<>(set).forEach(offset -> {
            String id = tip.topicPartition() + "@" + offset;
            Deque<Ack> queue = pending.get(member + " " + id);
            Ack ack = queue == null ? null : queue.poll();
            if (ack == null) {
                return;
            }
            ack.error = exception == null ? null : exception.getClass().getSimpleName() + ": " + exception.getMessage();
            ack.answer = exception == null ? Answer.OK : Answer.REFUSED;
            if (exception != null) {
                refused.incrementAndGet();
            }
            answered.add(ack);
            boolean late = exception == null && ack.type == AcknowledgeType.ACCEPT && ack.late();
            String word = ack.type.name() + (exception != null ? " refused" : late ? " late" : " ok");
            idsByWord.computeIfAbsent(word, w -> new ArrayList<>())
                    .add(late ? id + " (" + ack.lateMillis() + " ms after its lock ended)" : id);
        }));
        idsByWord.forEach((word, ids) -> {
            if (word.equals("RENEW ok")) {
                return;
            }
            String because = word.endsWith("refused") ? ": " + exception.getClass().getSimpleName() + ": "
                    + exception.getMessage()
                    : word.endsWith("late") ? ": the broker answers OK for a record it has finished already (archived"
                    + " when the lock ran out on the last delivery): this ACCEPT changed nothing" : "";
            if (word.endsWith("ok")) {
                LOG.info("ACK {} {} {}{}", word, member, ids, because);
            } else {
                LOG.warn("ACK {} {} {}{}", word, member, ids, because);
            }
        });
        return answered;
    }

    /**
     * The whole ledger against the broker's view: per record, finished or not from {@code broker} (start offset and
     * lag), and if finished, acknowledged when a member's ACCEPT of its last delivery was answered OK and left before
     * that delivery's lock ended; archived otherwise (lock ran out on the last delivery, or REJECT).
     */
    ShareReport reconcile(List<ShareProgress.PartitionState> broker, int members, int lockMs, int deliveryLimit,
            long maxPollGapMillis, int stuckWorkers) {
        List<ShareReport.RecordOutcome> outcomes = new ArrayList<>();
        for (ShareProgress.PartitionState state : broker) {
            for (long offset = state.earliest(); offset < state.end(); offset++) {
                RecordLog log = records.get(state.partition() + "@" + offset);
                outcomes.add(outcome(state, offset, log));
            }
        }
        outcomes.sort(Comparator.comparing((ShareReport.RecordOutcome o) -> o.partition().toString())
                .thenComparingLong(ShareReport.RecordOutcome::offset));
        Set<String> done = new TreeSet<>();
        records.values().forEach(l -> {
            synchronized (l) {
                if (l.processed > 0) {
                    done.add(l.id);
                }
            }
        });
        return new ShareReport(outcomes, broker, new ShareReport.Counts(done.size(), processed.get(), concurrent.get(),
                refused.get(), renewals.get(), returnedAgain.get(), released.get(), rejected.get(), failed.get(),
                deadlinePassed.get(), stuckWorkers, members, lockMs, deliveryLimit, maxPollGapMillis));
    }

    private static ShareReport.RecordOutcome outcome(ShareProgress.PartitionState state, long offset, RecordLog log) {
        if (log == null) {
            ShareReport.Outcome o = state.finished(offset) ? ShareReport.Outcome.ARCHIVED : ShareReport.Outcome.PENDING;
            return new ShareReport.RecordOutcome(state.partition(), offset, null, List.of(), 0, 0, List.of(), o);
        }
        synchronized (log) {
            int last = log.deliveries.stream().mapToInt(Delivery::count).max().orElse(0);
            boolean accepted = log.acks.stream().anyMatch(a -> a.type == AcknowledgeType.ACCEPT
                    && a.deliveryCount == last && a.answer == Answer.OK && !a.late());
            ShareReport.Outcome o = !state.finished(offset) ? ShareReport.Outcome.PENDING
                    : accepted ? ShareReport.Outcome.ACKNOWLEDGED : ShareReport.Outcome.ARCHIVED;
            List<String> acks = log.acks.stream().filter(a -> a.type != AcknowledgeType.RENEW).map(Ack::toString)
                    .toList();
            return new ShareReport.RecordOutcome(state.partition(), offset, log.key, List.copyOf(log.deliveries),
                    log.processed, log.concurrent, acks, o);
        }
    }
}
