package dev.starvation.kafka.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.LogCapture;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.consume.Fixture;
import dev.starvation.kafka.consume.KafkaDemoExtension;
import dev.starvation.kafka.consume.Mode;
import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.produce.JobProducer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A renewing member that closes with a record in work: what its processor does with the close's interrupt is no
 * failed attempt, so the record goes back to the group and is not archived.
 */
class ShareRenewShutdownTest {

    private static final int LOCK_MS = 3000;
    private static final int DELIVERY_LIMIT = 3;
    private static final Duration TIME_LIMIT = Duration.ofSeconds(90);

    @RegisterExtension
    static final KafkaDemoExtension KAFKA = new KafkaDemoExtension();

    /** Sleeps {@code length}; on an interrupt it throws, wrapping the InterruptedException, as much real code does. */
    private static Processor throwingOnInterrupt(Duration length) {
        return record -> {
            try {
                Thread.sleep(length.toMillis());
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while processing " + record.key(), e);
            }
        };
    }

    @Test
    void processorThatThrowsOnTheInterruptAtShutdownHasItsRecordReleasedNotRejectedAndArchived() throws Exception {
        String topic = Fixture.unique("share-close");
        Topics.ensure(KAFKA.bootstrapServers(), topic, 1);
        new JobProducer(KAFKA.bootstrapServers()).send(topic, 0, 1);
        // One attempt per record: a failed attempt is rejected at once, so only an honest reading of the close's
        // interrupt keeps the record.
        ShareSettings settings = ShareSettings.defaults(KAFKA.bootstrapServers(), topic, Fixture.unique("close"),
                Mode.SHARE_RENEW).withWork(1, Duration.ofSeconds(30), 1).withLock(LOCK_MS, DELIVERY_LIMIT, 1)
                .withStop(1, TIME_LIMIT).withShutdownGrace(Duration.ZERO);
        try (LogCapture log = LogCapture.start()) {
            ShareRun run = new ShareRun(settings, throwingOnInterrupt(Duration.ofSeconds(30)));
            CompletableFuture<ShareReport> running = BackgroundRun.start(run);
            await().atMost(TIME_LIMIT).until(() -> log.linesStartingWith("RENEW").stream()
                    .anyMatch(l -> l.contains(topic + "-0@0] in work")));
            run.stop();
            ShareReport report = running.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);

            List<String> about = log.lines().stream().filter(l -> l.contains(topic + "-0@0")).toList();
            assertThat(about).noneMatch(l -> l.startsWith("REJECT"));
            assertThat(about).filteredOn(l -> l.startsWith("ABANDONED job-0")).singleElement().asString()
                    .contains("closing past the shutdown grace; released to the group, not processed");
            assertThat(report.byId().get(topic + "-0@0").outcome()).as("available again, not archived")
                    .isEqualTo(ShareReport.Outcome.PENDING);
        }

        // The next member gets it (delivery 2) and processes it.
        ShareSettings next = settings.withWork(1, Duration.ofMillis(100), 1).withShutdownGrace(Duration.ofSeconds(5));
        ShareReport second = new ShareRun(next, ShareJobs.sleeping(Duration.ofMillis(100))).run();
        assertThat(second.byId().get(topic + "-0@0").outcome()).isEqualTo(ShareReport.Outcome.ACKNOWLEDGED);
        assertThat(second.processed()).isEqualTo(1);
    }
}
