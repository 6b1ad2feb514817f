package dev.starvation.kafka.consume;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offload consumer's work for one partition it owns, touched only on the poll thread: records waiting, the one
 * record running (one at a time keeps the partition's order), and how far the done records reach without a gap.
 * A new object is made each time the partition is assigned, so work finishing for an old one is recognised as stale.
 */
final class PartitionWork {

    final TopicPartition partition;
    private final Deque<ConsumerRecord<String, String>> waiting = new ArrayDeque<>();
    private ConsumerRecord<String, String> running;
    /** The head of {@link #waiting} is a failed record that may not start before {@link #retryAtNanos}. */
    private boolean retryPending;
    private long retryAtNanos;
    private boolean stopped;
    /** Next offset to commit: the last record done + 1, or -1 while nothing is done. */
    private long doneUpTo = -1;
    private long committedUpTo = -1;

    PartitionWork(TopicPartition partition) {
        this.partition = partition;
    }

    void enqueue(Iterable<ConsumerRecord<String, String>> records) {
        records.forEach(waiting::add);
    }

    /** Whether {@link #start()} has a record for a worker now (never after {@link #stopAt}). */
    boolean canStart() {
        return !stopped && running == null && !waiting.isEmpty()
                && (!retryPending || System.nanoTime() - retryAtNanos >= 0);
    }

    /** The next record to hand to a worker; it is in flight until {@link #done}, {@link #retryLater} or its loss. */
    ConsumerRecord<String, String> start() {
        running = waiting.poll();
        retryPending = false;
        return running;
    }

    /** The record finished: processed, or dead-lettered. Its offset may be committed once everything before it is. */
    void done(ConsumerRecord<String, String> record) {
        if (record == running) {
            running = null;
            doneUpTo = record.offset() + 1;
        }
    }

    /**
     * The record in flight failed and will run again, not before {@code notBeforeNanos} ({@link System#nanoTime()}).
     * Until then it keeps its place: it is not done, so no commit passes it, and nothing that must follow it in order
     * starts before it.
     */
    void retryLater(ConsumerRecord<String, String> record, long notBeforeNanos) {
        if (record == running) {
            running = null;
            waiting.addFirst(record);
            retryPending = true;
            retryAtNanos = notBeforeNanos;
        }
    }

    /** When the earliest record waiting for a retry may start ({@link System#nanoTime()}), or empty. */
    OptionalLong retryDueNanos() {
        return retryPending && running == null && !stopped ? OptionalLong.of(retryAtNanos)
                : OptionalLong.empty();
    }

    /**
     * The record could be neither processed nor dead-lettered: the partition stops there. Nothing of it starts any
     * more, no commit reaches past the record ({@link #toCommit} stays at or below its offset), and {@link #busy}
     * stays true so the partition stays paused. Only losing the partition (a new object) ends this.
     */
    void stopAt(ConsumerRecord<String, String> record) {
        stopped = true;
        running = null;
        waiting.clear();
        retryPending = false;
    }

    /** Whether anything is waiting, running, waiting for a retry, or stopped: the partition must stay paused. */
    boolean busy() {
        return stopped || running != null || !waiting.isEmpty();
    }

    /** Forgets everything waiting or in flight (the partition is revoked, lost or closing); the object is dead. */
    void abandon() {
        waiting.clear();
        running = null;
        retryPending = false;
    }

    /** Drops the records not started yet, those waiting for a retry included (no new work: revocation, shutdown). */
    void dropWaiting() {
        waiting.clear();
        retryPending = false;
    }

    /** The offset to commit if done work is past the last commit, else null. */
    OffsetAndMetadata toCommit() {
        return doneUpTo > committedUpTo ? new OffsetAndMetadata(doneUpTo) : null;
    }

    void committed(long offset) {
        committedUpTo = Math.max(committedUpTo, offset);
    }
}
