package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A revocation's wait for records in flight, its commit and the heartbeat that brought the rebalance fit in the
 * rebalance timeout (max.poll.interval.ms), or the member is fenced and its commit refused.
 */
class RevocationBudgetTest {

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void revocationWaitAndCommitFitTheRebalanceTimeoutAtTheDemosSettings(GroupProtocol protocol) {
        ConsumerSettings demo = ConsumerSettings.defaults("127.0.0.1:9092", "jobs", "demo-offload", Mode.OFFLOAD)
                .withProtocol(protocol);

        long used = demo.revocationWait().toMillis() + demo.commitTimeout().toMillis() + demo.classicHeartbeatMs();

        assertThat(demo.maxPollIntervalMs()).isEqualTo(3000);
        assertThat(used).as("wait %s + commit %s + heartbeat %d ms", demo.revocationWait(), demo.commitTimeout(),
                demo.classicHeartbeatMs()).isLessThan(demo.maxPollIntervalMs());
        assertThat(demo.revocationWait()).as("the wait is still worth having").isPositive();
    }

    @ParameterizedTest
    @ValueSource(ints = {1400, 3000, 6000, 30_000, 300_000})
    void revocationWaitNeverTakesTheCommitsShareWhateverTheInterval(int intervalMs) {
        // Below about 1.3 s the commit's 1 s floor and the heartbeat alone fill the interval: see
        // docs/kafka-reference.md, "Choices and limits".
        ConsumerSettings s = ConsumerSettings.defaults("127.0.0.1:9092", "jobs", "g", Mode.OFFLOAD)
                .withPolling(500, intervalMs).withShutdownGrace(Duration.ofMinutes(10));

        assertThat(s.revocationWait().toMillis() + s.commitTimeout().toMillis() + s.classicHeartbeatMs())
                .isLessThanOrEqualTo(intervalMs);
        assertThat(s.revocationWait().isNegative()).isFalse();
    }
}
