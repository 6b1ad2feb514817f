package dev.starvation.kafka.consume;

import dev.starvation.kafka.ordering.CommitMetadata;
import dev.starvation.kafka.ordering.KeyedQueue;
import dev.starvation.kafka.ordering.OffsetTracker;
import dev.starvation.kafka.ordering.Ordering;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The offload consumer's work for one partition it owns, touched only on the poll thread: the records waiting
 * ({@link KeyedQueue}: one in flight per key, per partition or per record), those running, and how far the finished
 * ones reach ({@link OffsetTracker}), committed with the finished offsets above it as metadata
 * ({@link CommitMetadata}).
 * A new object is made each time the partition is assigned, so work finishing for an old one is recognised as stale.
 */
final class PartitionWork {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionWork.class);

    /** A failed record waiting to run again; its lane stays busy meanwhile, so its key keeps its order. */
    private record Retry(ConsumerRecord<String, String> record, long notBeforeNanos) {
    }

    final TopicPartition partition;
    private final KeyedQueue<String, String> waiting;
    private final OffsetTracker offsets = new OffsetTracker();
    /** Records handed to a worker (or to the dead-letter thread) and not done, by offset. */
    private final Map<Long, ConsumerRecord<String, String>> running = new LinkedHashMap<>();
    private final Map<Long, Retry> retries = new TreeMap<>();
    /** Offsets with an older attempt still running on a worker that was given up on, and how many such attempts. */
    private final Map<Long, Integer> stale = new HashMap<>();
    private final int maxBuffered;
    private final int metadataLimit;
    /** Leader epochs of the records received, by the first offset of each epoch: what a commit carries (KIP-320). */
    private final TreeMap<Long, Integer> epochs = new TreeMap<>();
    private OffsetAndMetadata committed;
    private boolean metadataDropped;
    private boolean stopped;
    /** Whether anything finished (or was skipped) here: before that, a commit would only repeat where reading began. */
    private boolean progressed;
    /** Records finished here since the broker last accepted a commit of this partition: lost work if it is lost. */
    private int finishedSinceCommit;

    PartitionWork(TopicPartition partition, Ordering ordering, int maxBuffered) {
        this(partition, ordering, maxBuffered, CommitMetadata.BROKER_LIMIT);
    }

    PartitionWork(TopicPartition partition, Ordering ordering, int maxBuffered, int metadataLimit) {
        this.partition = partition;
        this.waiting = new KeyedQueue<>(ordering);
        this.maxBuffered = maxBuffered;
        this.metadataLimit = metadataLimit;
    }

    /**
     * Starts from what the group committed (null if nothing): reading resumes at its offset, and the records its
     * metadata names as finished above it will be skipped. Returns those offsets.
     */
    SortedSet<Long> resumeFrom(OffsetAndMetadata groupCommitted) {
        if (groupCommitted == null) {
            return new java.util.TreeSet<>();
        }
        committed = groupCommitted;
        offsets.startAt(groupCommitted.offset());
        OptionalLong base = CommitMetadata.baseOf(groupCommitted.metadata());
        if (base.isPresent() && base.getAsLong() != groupCommitted.offset()) {
            LOG.warn("RESUME {} at offset {}: the commit's metadata was written for offset {}, so the offset was moved "
                    + "and the metadata kept (an offset sync or reset): it is ignored and nothing is skipped",
                    partition, groupCommitted.offset(), base.getAsLong());
        }
        SortedSet<Long> finished = CommitMetadata.decode(groupCommitted.offset(), groupCommitted.metadata());
        offsets.finishedBefore(finished);
        return finished;
    }

    /** Takes in polled records; returns those a previous owner had finished, which are not run again. */
    List<ConsumerRecord<String, String>> enqueue(Iterable<ConsumerRecord<String, String>> records) {
        List<ConsumerRecord<String, String>> skipped = new ArrayList<>();
        for (ConsumerRecord<String, String> record : records) {
            record.leaderEpoch().ifPresent(epoch -> {
                Map.Entry<Long, Integer> last = epochs.lastEntry();
                if (last == null || !last.getValue().equals(epoch)) {
                    epochs.put(record.offset(), epoch);
                }
            });
            boolean finishedBefore = offsets.finishedBefore(record.offset());
            if (!offsets.received(record.offset())) {
                continue; // fetched again after a seek: already here
            }
            if (finishedBefore) {
                skipped.add(record);
                progressed = true;
            } else {
                waiting.add(record);
            }
        }
        return skipped;
    }

    /**
     * Whether a poll's records starting at {@code firstOffset} come from before what this partition has received
     * already: the consumer never seeks, so its position was moved back (an offset reset after the log was truncated,
     * or the topic deleted and made again). Such records are not the ones received before.
     */
    boolean movedBack(long firstOffset) {
        long next = offsets.next();
        return next >= 0 && firstOffset < next;
    }

    /** The offset after the last record received, or where reading starts; -1 until known. */
    long nextOffset() {
        return offsets.next();
    }

    /** Whether {@link #start()} has a record for a worker now (never after {@link #stopAt}). */
    boolean canStart() {
        return !stopped && (dueRetry(System.nanoTime()) != null || waiting.canStart());
    }

    /**
     * The next record to hand to a worker: a retry that is due, else the lowest offset whose lane is free (see
     * {@link KeyedQueue#start}). It is in flight until {@link #done}, {@link #retryLater} or its loss.
     */
    ConsumerRecord<String, String> start() {
        Retry retry = dueRetry(System.nanoTime());
        ConsumerRecord<String, String> record;
        if (retry != null) {
            retries.remove(retry.record().offset());
            record = retry.record();
        } else {
            record = waiting.start();
        }
        if (record != null) {
            running.put(record.offset(), record);
        }
        return record;
    }

    private Retry dueRetry(long now) {
        for (Retry r : retries.values()) {
            if (now - r.notBeforeNanos() >= 0 && !stale.containsKey(r.record().offset())) {
                return r;
            }
        }
        return null;
    }

    /**
     * The record in flight failed and will run again, not before {@code notBeforeNanos} ({@link System#nanoTime()}).
     * Until then it keeps its place: it is not done, so no commit passes it, and its key's later records wait.
     */
    void retryLater(ConsumerRecord<String, String> record, long notBeforeNanos) {
        if (running.remove(record.offset()) != null) {
            retries.put(record.offset(), new Retry(record, notBeforeNanos));
        }
    }

    /** When the earliest record waiting for a retry may start ({@link System#nanoTime()}), or empty. */
    OptionalLong retryDueNanos() {
        return stopped ? OptionalLong.empty()
                : retries.values().stream().filter(r -> !stale.containsKey(r.record().offset()))
                        .mapToLong(Retry::notBeforeNanos).min();
    }

    /**
     * The record could be neither processed nor dead-lettered: the partition stops there. Nothing of it starts any
     * more, no commit reaches past the record (it stays unfinished), and {@link #busy} stays true so the partition
     * stays paused. Only losing the partition (a new object) ends this.
     */
    void stopAt(ConsumerRecord<String, String> record) {
        stopped = true;
        running.remove(record.offset());
        waiting.dropWaiting();
        retries.clear();
    }

    /** Whether {@code record} (this very object) is in flight here. */
    boolean isRunning(ConsumerRecord<String, String> record) {
        return running.get(record.offset()) == record;
    }

    /** The running record finished (processed or dead-lettered): its key may go on, its offset counts as done. */
    void done(ConsumerRecord<String, String> record) {
        if (running.remove(record.offset()) != null) {
            waiting.finished(record);
            offsets.finished(record.offset());
            progressed = true;
            finishedSinceCommit++;
        }
    }

    /**
     * An attempt at {@code record} was given up (past its deadline, or its partition revoked or lost) but its worker
     * has not returned: until {@link #staleReturned}, neither the record nor the later records of its lane start.
     */
    void holdStale(ConsumerRecord<String, String> record) {
        stale.merge(record.offset(), 1, Integer::sum);
        waiting.hold(record);
    }

    /** The worker of a stale attempt at {@code record} returned (see {@link #holdStale}). */
    void staleReturned(ConsumerRecord<String, String> record) {
        if (stale.containsKey(record.offset())) {
            stale.computeIfPresent(record.offset(), (o, n) -> n == 1 ? null : n - 1);
            waiting.release(record);
        }
    }

    /**
     * An attempt given up on finished {@code record} after all: if the record waits for a retry, it is done instead
     * (processed, not to run again). Returns whether it was.
     */
    boolean doneWhileWaitingForRetry(ConsumerRecord<String, String> record) {
        if (retries.remove(record.offset()) == null) {
            return false;
        }
        waiting.finished(record);
        offsets.finished(record.offset());
        progressed = true;
        finishedSinceCommit++;
        return true;
    }

    /**
     * Whether the partition must be paused: stopped, or holding as many records from its commit offset on as the
     * bound allows ({@code --max-buffered}).
     */
    boolean busy() {
        return stopped || offsets.span() >= maxBuffered;
    }

    /** Offsets from the commit offset to the last one received: what this partition holds, at most. */
    long span() {
        return offsets.span();
    }

    /** Records finished here (processed or dead-lettered) that no accepted commit covers yet. */
    int finishedSinceCommit() {
        return finishedSinceCommit;
    }

    /** Records running now. */
    int runningCount() {
        return running.size();
    }

    /**
     * Forgets everything waiting or in flight (the partition is revoked, lost or closing; the consumer gives up the
     * attempts themselves); the object is dead.
     */
    void abandon() {
        waiting.dropWaiting();
        retries.clear();
        running.clear();
    }

    /**
     * Drops the records not started yet, those waiting for a retry included (no new work: revocation, shutdown); they
     * stay unfinished, so no commit passes them.
     */
    void dropWaiting() {
        waiting.dropWaiting();
        retries.clear();
    }

    /**
     * What to commit if it says more than the last commit: the lowest unfinished offset, with the finished offsets
     * above it as metadata; past the broker's limit the plain offset, said once in a {@code COMMIT} line.
     */
    OffsetAndMetadata toCommit() {
        long offset = offsets.commitOffset();
        if (offset < 0 || !progressed) {
            return null;
        }
        SortedSet<Long> finishedAbove = offsets.finishedAboveCommit();
        Optional<String> metadata = CommitMetadata.encode(offset, finishedAbove, metadataLimit);
        if (metadata.isEmpty() && !metadataDropped) {
            LOG.warn("COMMIT metadata for {} would take {} bytes, over the broker's {} (offset.metadata.max.bytes): "
                    + "committing offset {} without it; the {} records finished above it would run again after a "
                    + "hand-over", partition, CommitMetadata.encodedLength(offset, finishedAbove), metadataLimit,
                    offset, finishedAbove.size());
        }
        metadataDropped = metadata.isEmpty();
        // The epoch of the last record below the offset, as the consumer's own commits carry it: the next owner's
        // fetch is checked against it, and a log truncated below the offset is detected (KIP-320).
        Map.Entry<Long, Integer> epoch = epochs.floorEntry(offset - 1);
        OffsetAndMetadata next = new OffsetAndMetadata(offset,
                epoch != null ? Optional.of(epoch.getValue()) : committedEpoch(), metadata.orElse(""));
        if (committed != null && committed.offset() == next.offset() && committed.metadata().equals(next.metadata())) {
            return null;
        }
        return committed != null && committed.offset() > offset ? null : next;
    }

    private Optional<Integer> committedEpoch() {
        return committed == null ? Optional.empty() : committed.leaderEpoch();
    }

    /** The broker accepted {@code commit}. */
    void committed(OffsetAndMetadata commit) {
        committed = commit;
        finishedSinceCommit = 0;
        Long floor = epochs.floorKey(commit.offset() - 1);
        if (floor != null) {
            epochs.headMap(floor).clear();
        }
    }
}
