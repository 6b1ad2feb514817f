package dev.starvation.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * When a renewing member may start a record's work and when it gives a record up, whatever the client version does
 * after a RENEW: the broker's answer in the acknowledgement callback is enough, and no answer by the lock's end is a
 * lost lock.
 */
class LockRenewerTest {

    private static final long LOCK = 1_000_000_000L;

    private static ConsumerRecord<String, String> record(long offset, int deliveryCount) {
        return new ConsumerRecord<>("jobs", 0, offset, 0L, TimestampType.CREATE_TIME, 0, 0, "k" + offset, "v",
                new RecordHeaders(), Optional.empty(), Optional.of((short) deliveryCount));
    }

    @Test
    void renewAnsweredOkInTheCallbackLetsTheWorkStartThoughNoPollHandsTheRecordBack() {
        LockRenewer renewer = new LockRenewer();
        renewer.returned(record(0, 1), 0, LOCK);
        assertThat(renewer.takeDue(0, LOCK)).hasSize(1);
        assertThat(renewer.waiting()).as("not confirmed yet").isEmpty();

        renewer.renewed("jobs-0@0", 10, LOCK);

        assertThat(renewer.waiting()).extracting(f -> f.record.offset()).containsExactly(0L);
    }

    @Test
    void renewNeitherAnsweredNorHandedBackByTheEndOfTheLockIsALostLock() {
        LockRenewer renewer = new LockRenewer();
        renewer.returned(record(0, 1), 0, LOCK);
        renewer.returned(record(1, 1), 0, LOCK);
        renewer.takeDue(0, LOCK);
        renewer.renewed("jobs-0@1", LOCK / 2, LOCK);

        assertThat(renewer.takeLapsed(LOCK - 1)).isEmpty();
        assertThat(renewer.takeLapsed(LOCK + 1)).as("the one with no answer").extracting(f -> f.record.offset())
                .containsExactly(0L);
        assertThat(renewer.takeLapsed(LOCK + LOCK / 2 + 1)).as("the answer ran a lock from its RENEW")
                .extracting(f -> f.record.offset()).containsExactly(1L);
        assertThat(renewer.isEmpty()).isTrue();
    }
}
