package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.kafka.ordering.CommitMetadata;
import dev.starvation.kafka.ordering.Ordering;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One partition's work without a broker: what may start, what is committed, what a next owner skips. */
class PartitionWorkTest {

    private static final TopicPartition P0 = new TopicPartition("jobs", 0);

    @RegisterExtension
    final LogExtension log = new LogExtension();

    private static List<ConsumerRecord<String, String>> records(int from, int count, int keys) {
        List<ConsumerRecord<String, String>> list = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            list.add(new ConsumerRecord<>(P0.topic(), P0.partition(), i, "k" + (i % keys), "v"));
        }
        return list;
    }

    /** Starts whatever may start; returns the records started. */
    private static List<ConsumerRecord<String, String>> startAll(PartitionWork work) {
        List<ConsumerRecord<String, String>> started = new ArrayList<>();
        while (work.canStart()) {
            ConsumerRecord<String, String> r = work.start();
            started.add(r);
        }
        return started;
    }

    @Test
    void theCommitCarriesTheRecordsFinishedAboveTheFirstUnfinishedOneAndTheNextOwnerSkipsThem() {
        PartitionWork first = new PartitionWork(P0, Ordering.KEY, 1000);
        first.enqueue(records(0, 10, 10));
        List<ConsumerRecord<String, String>> running = startAll(first);
        assertThat(running).hasSize(10);
        for (ConsumerRecord<String, String> r : running) {
            if (r.offset() != 0 && r.offset() != 4) {
                first.done(r);
            }
        }

        OffsetAndMetadata commit = first.toCommit();
        assertThat(commit.offset()).isZero();
        assertThat(CommitMetadata.decode(0, commit.metadata())).containsExactly(1L, 2L, 3L, 5L, 6L, 7L, 8L, 9L);
        first.committed(commit);
        assertThat(first.toCommit()).as("nothing new to commit").isNull();

        PartitionWork next = new PartitionWork(P0, Ordering.KEY, 1000);
        assertThat(next.resumeFrom(commit)).hasSize(8);
        List<ConsumerRecord<String, String>> skipped = next.enqueue(records(0, 12, 12));
        assertThat(skipped).extracting(ConsumerRecord::offset).containsExactly(1L, 2L, 3L, 5L, 6L, 7L, 8L, 9L);
        assertThat(startAll(next)).as("only the records in flight at the hand-over, and the new ones")
                .extracting(ConsumerRecord::offset).containsExactly(0L, 4L, 10L, 11L);
    }

    @Test
    void metadataPastTheBrokersLimitFallsBackToThePlainOffsetAndSaysSo() {
        int count = 30_000;
        PartitionWork work = new PartitionWork(P0, Ordering.UNORDERED, count);
        work.enqueue(records(0, count, 1));
        List<ConsumerRecord<String, String>> running = startAll(work);
        // Every other record done, record 0 not: 15,000 finished offsets spread over 30,000, about 5 KiB encoded.
        for (ConsumerRecord<String, String> r : running) {
            if (r.offset() % 2 == 1) {
                work.done(r);
            }
        }

        OffsetAndMetadata commit = work.toCommit();

        assertThat(commit.offset()).isZero();
        assertThat(commit.metadata()).isEmpty();
        assertThat(log.linesStartingWith("COMMIT metadata for jobs-0")).singleElement().asString()
                .contains("over the broker's 4096 (offset.metadata.max.bytes)")
                .contains("committing offset 0 without it")
                .contains("15000 records finished above it would run again");
        work.committed(commit);
        assertThat(work.toCommit()).isNull();
        assertThat(log.linesStartingWith("COMMIT metadata")).as("said once, not at every commit").hasSize(1);

        for (ConsumerRecord<String, String> r : running) {
            if (r.offset() % 2 == 0 && r.offset() < 29_000) {
                work.done(r);
            }
        }
        OffsetAndMetadata fits = work.toCommit();
        assertThat(fits.offset()).isEqualTo(29_000);
        assertThat(CommitMetadata.decode(29_000, fits.metadata())).hasSize(500);
    }

    @Test
    void thePartitionIsFullWhenTheRecordsFromTheCommitOffsetOnReachTheBound() {
        PartitionWork work = new PartitionWork(P0, Ordering.KEY, 5);
        work.enqueue(records(0, 4, 4));
        assertThat(work.busy()).isFalse();
        work.enqueue(records(4, 1, 4));
        assertThat(work.busy()).isTrue();

        List<ConsumerRecord<String, String>> running = startAll(work);
        work.done(running.get(1));
        assertThat(work.busy()).as("record 0 still holds the commit offset").isTrue();
        work.done(running.get(0));
        assertThat(work.busy()).isFalse();
    }

    @Test
    void aRecordToRetryKeepsItsKeyBlockedAndTheCommitBelowItUntilItIsDone() {
        PartitionWork work = new PartitionWork(P0, Ordering.KEY, 100);
        work.enqueue(records(0, 4, 2));
        List<ConsumerRecord<String, String>> first = startAll(work);
        assertThat(first).extracting(ConsumerRecord::offset).containsExactly(0L, 1L);
        work.done(first.get(1));

        work.retryLater(first.get(0), System.nanoTime() + 60_000_000_000L);
        assertThat(work.retryDueNanos()).isPresent();
        assertThat(startAll(work)).as("key k0 waits for its retry; k1 goes on")
                .extracting(ConsumerRecord::offset).containsExactly(3L);
        assertThat(work.toCommit().offset()).isZero();
    }

    @Test
    void aDueRetryStartsBeforeAnythingElseAndADoneRetryLetsItsKeyGoOn() {
        PartitionWork work = new PartitionWork(P0, Ordering.KEY, 100);
        work.enqueue(records(0, 4, 2));
        List<ConsumerRecord<String, String>> first = startAll(work);
        work.retryLater(first.get(0), System.nanoTime());

        List<ConsumerRecord<String, String>> again = startAll(work);
        assertThat(again).extracting(ConsumerRecord::offset).containsExactly(0L);
        assertThat(work.retryDueNanos()).isEmpty();
        work.done(again.get(0));
        assertThat(startAll(work)).extracting(ConsumerRecord::offset).containsExactly(2L);
        assertThat(work.toCommit().offset()).isEqualTo(1);
    }

    @Test
    void aStoppedPartitionStartsNothingStaysPausedAndNeverCommitsPastTheRecord() {
        PartitionWork work = new PartitionWork(P0, Ordering.KEY, 100);
        work.enqueue(records(0, 6, 3));
        List<ConsumerRecord<String, String>> first = startAll(work);
        work.done(first.get(0));
        work.done(first.get(2));

        work.stopAt(first.get(1));

        assertThat(work.canStart()).isFalse();
        assertThat(work.busy()).isTrue();
        assertThat(work.toCommit().offset()).isEqualTo(1);
        assertThat(work.retryDueNanos()).isEmpty();
    }

    @Test
    void aRetryHeldForItsStaleAttemptIsNotDueUntilThatAttemptReturns() {
        PartitionWork work = new PartitionWork(P0, Ordering.KEY, 100);
        work.enqueue(records(0, 4, 2));
        List<ConsumerRecord<String, String>> first = startAll(work);
        assertThat(first).extracting(ConsumerRecord::offset).containsExactly(0L, 1L);

        // Past its deadline, its worker still inside: the retry may not start, however due.
        work.holdStale(first.get(0));
        work.retryLater(first.get(0), System.nanoTime());

        assertThat(work.retryDueNanos()).as("nothing due: the poll need not hurry").isEmpty();
        assertThat(startAll(work)).isEmpty();
        work.staleReturned(first.get(0));
        assertThat(startAll(work)).extracting(ConsumerRecord::offset).containsExactly(0L);
    }

    @Test
    void recordsFromBeforeWhatWasReceivedMeanThePositionMovedBackNotARefetch() {
        PartitionWork work = new PartitionWork(P0, Ordering.KEY, 100);
        assertThat(work.movedBack(0)).as("nothing received yet").isFalse();
        work.enqueue(records(0, 5, 5));

        assertThat(work.movedBack(5)).isFalse();
        assertThat(work.movedBack(0)).as("an offset reset after truncation brings offset 0 again").isTrue();
        assertThat(work.nextOffset()).isEqualTo(5);
    }
}
