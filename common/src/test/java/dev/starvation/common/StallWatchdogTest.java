package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StallWatchdogTest {

    private static void blockOnPurpose(CountDownLatch release) throws InterruptedException {
        release.await(5, TimeUnit.SECONDS);
    }

    @Test
    void blockedLoopIsReportedOnceWithTheStackOfTheCodeThatBlocksIt() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchdog.watchExecutor("test-loop", loop, Duration.ofMillis(100),
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit 100 ms)");
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.thread() != null);

            loop.execute(() -> {
                try {
                    blockOnPurpose(release);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(3)).until(() -> !log.linesStartingWith("STALL").isEmpty());
            // Still blocked: the same stall is not logged again.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
                    .until(() -> log.linesStartingWith("STALL").size() == 1);
            release.countDown();

            assertThat(log.linesStartingWith("STALL").get(0))
                    .matches("STALL event loop test-loop blocked for \\d+ ms \\(limit 100 ms\\)");
            assertThat(log.stacksOf("STALL").get(0)).contains("blockOnPurpose");
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.gapsMicros().getMaxValue() >= 300_000);
            assertThat(hb.stalls()).isEqualTo(1);
            // Once the loop is back, one more line says how long it was really gone.
            await().atMost(Duration.ofSeconds(2)).until(() -> log.linesStartingWith("STALL").size() == 2);
            assertThat(log.linesStartingWith("STALL").get(1)).matches("STALL over: test-loop came back after \\d+ ms");
            long total = Long.parseLong(log.linesStartingWith("STALL").get(1).replaceAll("\\D+", " ").trim());
            assertThat(total).isGreaterThanOrEqualTo(300);
        } finally {
            loop.shutdownNow();
        }
    }

    @Test
    void freeLoopIsNeverReportedAndItsLagStaysSmall() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor();
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchdog.watchExecutor("free", loop, Duration.ofMillis(200), (t, ms) -> "STALL " + t);
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.gapsMicros().getTotalCount() >= 20);
            assertThat(log.linesStartingWith("STALL")).isEmpty();
            assertThat(hb.stalls()).isZero();
            assertThat(hb.gapsMicros().getValueAtPercentile(50)).isLessThan(100_000);
        } finally {
            loop.shutdownNow();
        }
    }

    @Test
    void silentThreadIsReportedAndItsLongestGapKept() throws Exception {
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchdog.watchThread(Thread.currentThread(), Duration.ofMillis(100),
                    (t, ms) -> "STALL poll thread silent for " + ms + " ms (max.poll.interval.ms 200)");
            hb.beat();
            await().atMost(Duration.ofSeconds(2)).until(() -> !log.linesStartingWith("STALL").isEmpty());
            hb.beat();
            await().atMost(Duration.ofSeconds(2)).until(() -> log.linesStartingWith("STALL over").size() == 1);

            assertThat(log.linesStartingWith("STALL").get(0)).startsWith("STALL poll thread silent for ");
            assertThat(log.stacksOf("STALL").get(0)).contains("silentThreadIsReportedAndItsLongestGapKept");
            assertThat(hb.maxGapMillis()).isGreaterThanOrEqualTo(100);
            assertThat(hb.stalls()).isEqualTo(1);
        }
    }
}
