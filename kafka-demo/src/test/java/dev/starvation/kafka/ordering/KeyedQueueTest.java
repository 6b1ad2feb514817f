package dev.starvation.kafka.ordering;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class KeyedQueueTest {

    private static ConsumerRecord<String, String> record(long offset, String key) {
        return new ConsumerRecord<>("jobs", 0, offset, key, "v" + offset);
    }

    /** Starts every record that may start now; returns their offsets in start order. */
    private static List<Long> startAll(KeyedQueue<String, String> queue) {
        List<Long> started = new ArrayList<>();
        ConsumerRecord<String, String> r;
        while ((r = queue.start()) != null) {
            started.add(r.offset());
        }
        return started;
    }

    @Test
    void inKeyModeTheFirstRecordOfEveryKeyStartsAtOnceLowestOffsetFirstAndTheRestWaitForTheirKey() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.KEY);
        queue.add(record(0, "a"));
        queue.add(record(1, "b"));
        queue.add(record(2, "a"));
        queue.add(record(3, "c"));
        queue.add(record(4, "b"));

        assertThat(startAll(queue)).containsExactly(0L, 1L, 3L);
        assertThat(queue.waiting()).isEqualTo(2);
        assertThat(queue.canStart()).as("a and b are running").isFalse();

        queue.finished(record(1, "b"));
        assertThat(startAll(queue)).containsExactly(4L);
        queue.finished(record(0, "a"));
        assertThat(startAll(queue)).containsExactly(2L);
        assertThat(queue.waiting()).isZero();
    }

    @Test
    void aRecordAddedForABusyKeyWaitsUntilThatKeyIsFinished() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.KEY);
        queue.add(record(0, "a"));
        assertThat(startAll(queue)).containsExactly(0L);

        queue.add(record(1, "a"));
        queue.add(record(2, "z"));

        assertThat(startAll(queue)).containsExactly(2L);
        queue.finished(record(0, "a"));
        assertThat(startAll(queue)).containsExactly(1L);
    }

    @Test
    void recordsWithoutAKeyRunWithoutWaitingForEachOther() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.KEY);
        queue.add(record(0, null));
        queue.add(record(1, null));
        queue.add(record(2, "a"));

        assertThat(startAll(queue)).containsExactly(0L, 1L, 2L);
    }

    @Test
    void inPartitionModeOneRecordRunsAtATimeInOffsetOrderWhateverTheKeys() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.PARTITION);
        for (int i = 0; i < 4; i++) {
            queue.add(record(i, "k" + i));
        }
        List<Long> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<Long> started = startAll(queue);
            assertThat(started).hasSize(1);
            order.addAll(started);
            queue.finished(record(started.get(0), "k" + started.get(0)));
        }
        assertThat(order).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void unorderedStartsEverythingEvenRecordsOfOneKey() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.UNORDERED);
        queue.add(record(0, "a"));
        queue.add(record(1, "a"));
        queue.add(record(2, "a"));

        assertThat(startAll(queue)).containsExactly(0L, 1L, 2L);
    }

    @Test
    void aLaneHeldForAStaleAttemptStartsNothingUntilEveryHoldIsReleased() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.KEY);
        // Assigned again while an older attempt at offset 0 (key a) still runs on a worker given up on.
        queue.hold(record(0, "a"));
        queue.hold(record(0, "a"));
        queue.add(record(0, "a"));
        queue.add(record(1, "a"));
        queue.add(record(2, "b"));

        assertThat(startAll(queue)).as("key b is not held").containsExactly(2L);
        queue.release(record(0, "a"));
        assertThat(queue.canStart()).as("one hold left").isFalse();
        queue.release(record(0, "a"));
        assertThat(startAll(queue)).containsExactly(0L);
        queue.finished(record(0, "a"));
        assertThat(startAll(queue)).containsExactly(1L);
    }

    @Test
    void droppingWaitingRecordsReturnsThemAndRunningOnesFinishWithoutError() {
        KeyedQueue<String, String> queue = new KeyedQueue<>(Ordering.KEY);
        queue.add(record(0, "a"));
        queue.add(record(1, "a"));
        queue.add(record(2, "b"));
        startAll(queue);

        assertThat(queue.dropWaiting()).extracting(ConsumerRecord::offset).containsExactly(1L);
        queue.finished(record(0, "a"));
        assertThat(queue.canStart()).isFalse();
        assertThat(queue.waiting()).isZero();
    }
}
