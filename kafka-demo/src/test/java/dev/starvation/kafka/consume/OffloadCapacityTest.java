package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.kafka.ops.RunStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the offloading consumer's poll thread does when its capacity is used up: every worker held while a retry is
 * due, many partitions lagging at once, a revocation against the rebalance timeout.
 */
class OffloadCapacityTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Duration WORK = Duration.ofMillis(20);

    @RegisterExtension
    static final KafkaDemoExtension KAFKA = new KafkaDemoExtension();

    @TempDir
    Path dir;

    @Test
    void retryDueWhileEveryWorkerIsHeldLeavesThePollThreadPollingAtItsNormalPaceNotSpinning() throws Exception {
        // Record 0 fails at once and is due again after 100 ms; records 1 and 2 then hold both workers until the close.
        String topic = KAFKA.fixture().topicWith(1, 3, i -> i == 0 ? MisbehavingProcessor.ERROR
                : MisbehavingProcessor.HANG_POLITELY);
        String group = Fixture.unique("spin");
        Path gaps = dir.resolve("gaps.csv");
        ConsumerSettings settings = KAFKA.fixture().settings(topic, group, Mode.OFFLOAD, GroupProtocol.CLASSIC, 3000,
                WORK, 2, LIMIT).withShutdownGrace(Duration.ZERO).withPollGaps(gaps)
                .withFailures(FailurePolicy.defaults().withRetries(3, Duration.ofMillis(100)));
        RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings,
                new MisbehavingProcessor(WORK)), group);
        await().atMost(LIMIT).until(() -> KAFKA.linesStartingWith("RETRY job-0").size() == 1
                && consumer.loop().recordsInFlight() == 2);
        long heldFrom = System.nanoTime();
        Thread.sleep(3000);
        long polls = Files.lines(gaps).count() - 1;
        RunStats stats = consumer.stop(LIMIT);
        long heldMs = (System.nanoTime() - heldFrom) / 1_000_000;

        // One 100 ms poll at a time, the join included, is some tens of polls in this run: 600 would take a minute.
        // A poll(0) loop makes as many in well under a second, on a busy machine too.
        assertThat(polls).as("polls in the whole run, %d ms of it with a retry due and no worker free", heldMs)
                .isLessThan(600);
        assertThat(stats.retries()).isEqualTo(1);
        assertThat(KAFKA.linesStartingWith("SUMMARY mode=offload")).singleElement().asString()
                .contains("retried=1");
    }

    @Test
    void memberWithFiftyLaggingPartitionsHoldsAtMostMaxBufferedRecordsPlusOnePoll() throws Exception {
        int partitions = 50;
        int maxBuffered = 100;
        int pollRecords = 10;
        String topic = KAFKA.fixture().topicWith(partitions, partitions * 20);
        String group = Fixture.unique("buffered");
        ConsumerSettings settings = KAFKA.fixture().settings(topic, group, Mode.OFFLOAD, GroupProtocol.CONSUMER, 3000,
                Duration.ofMillis(50), 2, LIMIT).withPolling(pollRecords, 3000)
                .withOrdering(dev.starvation.kafka.ordering.Ordering.KEY, maxBuffered);
        RunningConsumer consumer = RunningConsumer.start(new OffloadingConsumer(settings,
                new MisbehavingProcessor(Duration.ofMillis(50))), group);
        OffloadingConsumer loop = consumer.loop();
        await().atMost(LIMIT).until(() -> consumer.stats().processed() > 0);
        long most = 0;
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < until) {
            most = Math.max(most, loop.recordsBuffered());
            Thread.sleep(10);
        }
        consumer.stop(LIMIT);

        assertThat(most).as("records held by the member, sampled for 4 s").isLessThanOrEqualTo(maxBuffered
                + pollRecords);
        assertThat(most).as("it did fill up").isGreaterThanOrEqualTo(maxBuffered / 2);
        assertThat(KAFKA.linesStartingWith("BUFFER full")).isNotEmpty()
                .allMatch(l -> l.contains("(--max-buffered 100): every partition paused"));
    }
}
