package dev.starvation.kafka.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

    private static OffsetTracker receivedUpTo(long first, long last) {
        OffsetTracker tracker = new OffsetTracker();
        for (long o = first; o <= last; o++) {
            tracker.received(o);
        }
        return tracker;
    }

    @Test
    void theCommitOffsetIsTheLowestUnfinishedOffsetAndNeverPassesIt() {
        OffsetTracker tracker = receivedUpTo(10, 15);
        assertThat(tracker.commitOffset()).isEqualTo(10);

        tracker.finished(11);
        tracker.finished(13);
        assertThat(tracker.commitOffset()).as("10 still runs").isEqualTo(10);
        assertThat(tracker.finishedAboveCommit()).containsExactly(11L, 13L);

        tracker.finished(10);
        assertThat(tracker.commitOffset()).as("10 and 11 done, 12 not").isEqualTo(12);
        assertThat(tracker.finishedAboveCommit()).containsExactly(13L);

        tracker.finished(12);
        tracker.finished(14);
        tracker.finished(15);
        assertThat(tracker.commitOffset()).as("everything received is done").isEqualTo(16);
        assertThat(tracker.finishedAboveCommit()).isEmpty();
        assertThat(tracker.span()).isZero();
    }

    @Test
    void offsetsMissingFromThePartitionDoNotHoldTheCommitBack() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.startAt(0);
        // Offsets 1 and 2 do not exist (a transaction marker, a compacted record).
        tracker.received(0);
        tracker.received(3);
        tracker.finished(3);
        assertThat(tracker.commitOffset()).isZero();
        tracker.finished(0);
        assertThat(tracker.commitOffset()).isEqualTo(4);
    }

    @Test
    void aRecordReceivedAgainAfterASeekIsNotTrackedTwice() {
        OffsetTracker tracker = receivedUpTo(0, 3);
        assertThat(tracker.received(2)).isFalse();
        assertThat(tracker.received(4)).isTrue();
        assertThat(tracker.unfinishedCount()).isEqualTo(5);
    }

    @Test
    void offsetsFinishedByAPreviousOwnerCountAsFinishedWhenTheyComeAndAreCarriedOnUntilThen() {
        OffsetTracker tracker = new OffsetTracker();
        tracker.startAt(5);
        tracker.finishedBefore(List.of(7L, 8L, 10L));
        assertThat(tracker.finishedBefore(7)).isTrue();
        assertThat(tracker.finishedBefore(6)).isFalse();

        tracker.received(5);
        tracker.received(6);
        tracker.finished(5);
        assertThat(tracker.commitOffset()).isEqualTo(6);
        assertThat(tracker.finishedAboveCommit()).as("not received yet, still carried").containsExactly(7L, 8L, 10L);

        tracker.finished(6);
        assertThat(tracker.commitOffset()).as("7 and 8 need no reading").isEqualTo(9);
        assertThat(tracker.finishedAboveCommit()).containsExactly(10L);

        assertThat(tracker.received(7)).isTrue();
        assertThat(tracker.unfinishedCount()).as("7 came finished").isZero();
        tracker.received(8);
        tracker.received(9);
        assertThat(tracker.commitOffset()).isEqualTo(9);
        tracker.finished(9);
        assertThat(tracker.commitOffset()).isEqualTo(11);
    }

    @Test
    void theSpanCountsOffsetsFromTheCommitToTheLastReceived() {
        OffsetTracker tracker = receivedUpTo(100, 199);
        tracker.finished(150);
        assertThat(tracker.span()).isEqualTo(100);
        for (long o = 100; o < 150; o++) {
            tracker.finished(o);
        }
        assertThat(tracker.span()).isEqualTo(49);
    }
}
