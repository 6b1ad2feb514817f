package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class JobWatchTest {

    private static void sleepsOnPurpose() throws InterruptedException {
        Thread.sleep(30_000);
    }

    private static void ignoresInterrupts(CountDownLatch release) {
        while (release.getCount() > 0) {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException swallowed) {
                // The bug this test needs: a worker that does not answer its interrupt.
            }
        }
    }

    @Test
    void jobPastItsStallShareIsReportedWithTheWorkersStackThenInterruptedAtTheDeadline() throws Exception {
        List<String> overdue = new CopyOnWriteArrayList<>();
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            // STALL comes after a fifth of the deadline with the process's pauses taken out, the interrupt at the
            // deadline by the clock: 2 s apart, so a busy machine's pauses cannot put the interrupt first.
            JobWatch watch = new JobWatch(watchdog, Duration.ofMillis(2_500), 0.2, j -> overdue.add(j.what()));
            Thread worker = new Thread(() -> {
                try (JobWatch.Job job = watch.start("jobs-0@7")) {
                    sleepsOnPurpose();
                } catch (InterruptedException e) {
                    sawInterrupt.set(true);
                }
            }, "worker-1");
            worker.start();
            worker.join(20_000);

            assertThat(sawInterrupt).isTrue();
            // The watchdog interrupts the worker, then tells the callback: the worker may be done before it is told.
            await().atMost(Duration.ofSeconds(10)).until(() -> !overdue.isEmpty());
            assertThat(overdue).containsExactly("jobs-0@7");
            assertThat(log.linesStartingWith("STALL worker-1")).singleElement().asString()
                    .matches("STALL worker-1 on jobs-0@7 for \\d+ ms \\(deadline 2500 ms\\)");
            assertThat(log.stacksOf("STALL worker-1").get(0)).contains("sleepsOnPurpose");
            assertThat(log.linesStartingWith("DEADLINE"))
                    .containsExactly("DEADLINE worker-1 on jobs-0@7 passed its 2500 ms deadline: interrupting it");
            assertThat(log.linesStartingWith("STALL over")).singleElement().asString()
                    .startsWith("STALL over: worker-1 on jobs-0@7 ended after ");
            assertThat(watch.running()).isZero();
            assertThat(watch.unhealthyReason()).isEmpty();
        }
    }

    @Test
    void workerThatIgnoresItsInterruptIsReportedOverdueUntilItComesBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            JobWatch watch = new JobWatch(watchdog, Duration.ofMillis(500), 0.5, j -> { });
            Thread worker = new Thread(() -> {
                try (JobWatch.Job job = watch.start("GET /processing_fixed")) {
                    ignoresInterrupts(release);
                }
            }, "worker-2");
            worker.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !watch.overdue().isEmpty());
                assertThat(watch.unhealthyReason()).get().asString()
                        .startsWith("1 job(s) past the 500 ms deadline: worker-2 on GET /processing_fixed for ");
                assertThat(watch.oldestAgeMillis()).isGreaterThanOrEqualTo(500);
                // overdue() reads the clock; the DEADLINE line comes from the watchdog's next check, up to an interval later.
                await().atMost(Duration.ofSeconds(10)).until(() -> log.linesStartingWith("DEADLINE").size() == 1);
                assertThat(log.linesStartingWith("DEADLINE")).hasSize(1);
            } finally {
                release.countDown();
                worker.join(10_000);
            }
            assertThat(watch.overdue()).isEmpty();
            assertThat(watch.unhealthyReason()).isEmpty();
            assertThat(watch.oldestAgeMillis()).isZero();
        }
    }

    @Test
    void jobThatEndsInTimeIsNeitherReportedNorInterruptedEvenOnceItsDeadlineHasGoneBy() throws Exception {
        List<String> overdue = new CopyOnWriteArrayList<>();
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            JobWatch watch = new JobWatch(watchdog, Duration.ofMillis(1_500), 0.5, j -> overdue.add(j.what()));
            // A job of 100 ms, looked at by the watchdog every 10 ms: well inside the 750 ms before a STALL.
            try (JobWatch.Job job = watch.start("quick")) {
                assertThat(watch.running()).isEqualTo(1);
                Thread.sleep(100);
            }
            assertThat(watch.running()).isZero();
            // Past the deadline the job would have had: an ended job's worker (this thread) is not interrupted late.
            Thread worker = Thread.currentThread();
            await().during(Duration.ofMillis(2_000)).atMost(Duration.ofSeconds(3))
                    .until(() -> !worker.isInterrupted() && overdue.isEmpty());
            assertThat(log.linesStartingWith("STALL")).filteredOn(l -> !l.startsWith("STALL process paused")).isEmpty();
            assertThat(log.linesStartingWith("DEADLINE")).isEmpty();
            assertThat(watch.overdue()).isEmpty();
        }
    }

    @Test
    void badDeadlineOrShareIsRefusedWithTheValue() {
        try (StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> new JobWatch(watchdog, Duration.ZERO, 0.5, j -> { }))
                    .hasMessage("job deadline must be positive, got PT0S");
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> new JobWatch(watchdog, Duration.ofSeconds(1), 1.5, j -> { }))
                    .hasMessage("stall share must be above 0 and at most 1, got 1.5");
        }
    }
}
