package dev.starvation.kafka.consume;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Future;
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
    private Future<?> future;
    /** Next offset to commit: the last record done + 1, or -1 while nothing is done. */
    private long doneUpTo = -1;
    private long committedUpTo = -1;

    PartitionWork(TopicPartition partition) {
        this.partition = partition;
    }

    void enqueue(Iterable<ConsumerRecord<String, String>> records) {
        records.forEach(waiting::add);
    }

    boolean canStart() {
        return running == null && !waiting.isEmpty();
    }

    ConsumerRecord<String, String> start() {
        running = waiting.poll();
        return running;
    }

    void started(Future<?> f) {
        future = f;
    }

    /** The running record finished (processed or dead-lettered): its offset may be committed. */
    void done(ConsumerRecord<String, String> record) {
        if (record == running) {
            running = null;
            future = null;
            doneUpTo = record.offset() + 1;
        }
    }

    /** The running record was given up: it is not done, and nothing after it may be committed. */
    void gaveUp(ConsumerRecord<String, String> record) {
        if (record == running) {
            running = null;
            future = null;
            waiting.clear();
        }
    }

    boolean busy() {
        return running != null || !waiting.isEmpty();
    }

    boolean isRunning() {
        return running != null;
    }

    ConsumerRecord<String, String> running() {
        return running;
    }

    /** Drops waiting records and interrupts the running one; returns the record that was running, or null. */
    ConsumerRecord<String, String> abandon() {
        waiting.clear();
        ConsumerRecord<String, String> was = running;
        if (future != null) {
            future.cancel(true);
        }
        running = null;
        future = null;
        return was;
    }

    /** Drops the records not started yet (shutdown: no new work). */
    void dropWaiting() {
        waiting.clear();
    }

    /** The offset to commit if done work is past the last commit, else null. */
    OffsetAndMetadata toCommit() {
        return doneUpTo > committedUpTo ? new OffsetAndMetadata(doneUpTo) : null;
    }

    void committed(long offset) {
        committedUpTo = Math.max(committedUpTo, offset);
    }
}
