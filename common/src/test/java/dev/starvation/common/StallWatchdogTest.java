package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
    void stallOfATickThatNoThreadRunsShowsTheStacksOfTheThreadsItBlames() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try {
                blockOnPurpose(release);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "holder-1");
        holder.start();
        // A pool whose threads are all held: the tick is queued and never runs, as on busy virtual-thread carriers.
        java.util.concurrent.Executor held = task -> { };
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            watchdog.watchExecutor("scheduler", held, Duration.ofMillis(100), (thread, ms) -> "STALL scheduler " + ms)
                    .blaming(() -> List.of(holder));
            await().atMost(Duration.ofSeconds(3)).until(() -> !log.stacksOf("STALL scheduler").isEmpty());

            assertThat(log.stacksOf("STALL scheduler").get(0)).startsWith("stack of holder-1")
                    .contains("blockOnPurpose");
        } finally {
            release.countDown();
            holder.join(5_000);
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
    void silentThreadIsReportedOnceAndItsLongestGapKept() throws Exception {
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchdog.watchThread(Thread.currentThread(), Duration.ofMillis(100),
                    (t, ms) -> "STALL poll thread silent for " + ms + " ms (max.poll.interval.ms 200)");
            hb.beat();
            await().atMost(Duration.ofSeconds(2)).until(() -> !log.linesStartingWith("STALL").isEmpty());
            hb.beat();
            // Done being watched at once, as a consumer that closes: this thread's waits below are not silences.
            hb.close();
            await().atMost(Duration.ofSeconds(2)).until(() -> log.linesStartingWith("STALL over").size() == 1);

            assertThat(log.linesStartingWith("STALL").get(0)).startsWith("STALL poll thread silent for ");
            assertThat(log.stacksOf("STALL").get(0)).contains("silentThreadIsReportedOnceAndItsLongestGapKept");
            assertThat(hb.maxGapMillis()).isGreaterThanOrEqualTo(100);
            assertThat(hb.stalls()).isEqualTo(1);
            assertThat(hb.currentSilenceMillis()).isZero();
        }
    }

    @Test
    void everyGapReachesTheHookAndTheCurrentSilenceGrowsWhileTheThreadIsAway() throws Exception {
        List<Long> gaps = new CopyOnWriteArrayList<>();
        try (StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchdog.watchThread(Thread.currentThread(), Duration.ofSeconds(30), (t, ms) -> "STALL " + t)
                    .onGap(gaps::add);
            hb.beat();
            Thread.sleep(200);
            assertThat(hb.currentSilenceMillis()).isGreaterThanOrEqualTo(200);
            hb.beat();
            hb.beat();
            hb.close();

            assertThat(gaps).hasSize(3);
            assertThat(gaps.get(1)).isGreaterThanOrEqualTo(200_000_000L);
            assertThat(hb.gapsMicros().getTotalCount()).isEqualTo(3);
            assertThat(hb.gapsMicros().getMaxValue()).isGreaterThanOrEqualTo(200_000);
            assertThat(hb.currentSilenceMillis()).isZero();
        }
    }

    private static Heartbeat watchThisThreadFor100Millis(StallWatchdog watchdog) {
        return watchdog.watchThread(Thread.currentThread(), Duration.ofMillis(100),
                (t, ms) -> "STALL poll thread silent for " + ms + " ms");
    }

    @Test
    void threadWaitingIdleIsNotReportedAndItsWaitIsNoGapButItsSilencesAfterAreAgain() throws Exception {
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchThisThreadFor100Millis(watchdog);
            // A consumer waiting for records with none in hand: ten times the limit, and nothing owed.
            hb.idle();
            Thread.sleep(1_000);
            assertThat(hb.currentSilenceMillis()).isZero();
            hb.beat();

            assertThat(log.linesStartingWith("STALL poll thread")).isEmpty();
            assertThat(hb.stalls()).isZero();
            assertThat(hb.maxGapMillis()).isLessThan(100);
            // Back from the wait, the thread owes its beats again.
            await().atMost(Duration.ofSeconds(2)).until(() -> !log.linesStartingWith("STALL poll thread").isEmpty());
            hb.beat();
            hb.close();
            assertThat(hb.stalls()).isEqualTo(1);
            assertThat(hb.maxGapMillis()).isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void processPauseIsReportedAsAPauseNotAsALoopStall() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
        FreezingSleeper sleeper = new FreezingSleeper(loop, 1_000, 900);
        List<Long> gaps = new CopyOnWriteArrayList<>();
        try (LogCapture log = LogCapture.start();
                StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10), sleeper, sleeper::gcMillis)) {
            Heartbeat hb = watchdog.watchExecutor("test-loop", loop, Duration.ofMillis(300),
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit 300 ms)")
                    .onGap(gaps::add);
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.thread() != null);

            sleeper.freezeOnce();
            // The loop's tick waited through the whole freeze: a gap of a second, yet no thread of ours was to blame.
            await().atMost(Duration.ofSeconds(5)).until(() -> gaps.stream().anyMatch(g -> g >= 1_000_000_000L));

            assertThat(log.linesStartingWith("STALL")).singleElement().asString()
                    .matches("STALL process paused \\d+ ms \\(GC 900 ms\\): every thread stood still, not counted as a stall");
            long paused = Long.parseLong(log.linesStartingWith("STALL").get(0).split(" ")[3]);
            assertThat(paused).isGreaterThanOrEqualTo(1_000);
            assertThat(hb.stalls()).isZero();
            assertThat(watchdog.pauses()).isEqualTo(1);
            assertThat(hb.maxGapMillis()).isGreaterThanOrEqualTo(1_000);
        } finally {
            loop.shutdownNow();
        }
    }

    @Test
    void loopBlockedBeyondAPauseIsStillAStall() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
        FreezingSleeper sleeper = new FreezingSleeper(loop, 500, 0);
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start();
                StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10), sleeper, sleeper::gcMillis)) {
            Heartbeat hb = watchdog.watchExecutor("test-loop", loop, Duration.ofMillis(300),
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit 300 ms)");
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.thread() != null);

            sleeper.freezeOnce();
            await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.pauses() == 1);
            // The process runs again but the loop does not: from here on it is the loop's own stall.
            loop.execute(() -> {
                try {
                    blockOnPurpose(release);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> hb.stalls() == 1);
            release.countDown();

            assertThat(log.linesStartingWith("STALL event loop test-loop blocked for ")).hasSize(1);
            assertThat(log.stacksOf("STALL event loop").get(0)).contains("blockOnPurpose");
        } finally {
            release.countDown();
            loop.shutdownNow();
        }
    }

    /**
     * Stands in for the watchdog's sleep to play a process pause: once asked, it holds the loop (so a tick waits),
     * then sleeps {@code freezeMillis} too long with {@code gcMillis} of GC, as a frozen JVM would, and lets the loop
     * go at the next round, after the watchdog has looked.
     */
    private static final class FreezingSleeper implements StallWatchdog.Sleeper {
        private final ExecutorService loop;
        private final long freezeMillis;
        private final long gcDuringFreeze;
        private final AtomicLong gcMillis = new AtomicLong();
        private volatile boolean asked;
        private final CountDownLatch release = new CountDownLatch(1);
        /** Only the watchdog thread moves it: 0 waiting, 1 loop held, 2 frozen, 3 done. */
        private int step;

        FreezingSleeper(ExecutorService loop, long freezeMillis, long gcDuringFreeze) {
            this.loop = loop;
            this.freezeMillis = freezeMillis;
            this.gcDuringFreeze = gcDuringFreeze;
        }

        void freezeOnce() {
            asked = true;
        }

        long gcMillis() {
            return gcMillis.get();
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            if (step == 0 && asked) {
                CountDownLatch held = new CountDownLatch(1);
                loop.execute(() -> {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                held.await();
                step = 1;
            } else if (step == 1) {
                gcMillis.addAndGet(gcDuringFreeze);
                step = 2;
                Thread.sleep(millis + freezeMillis);
                return;
            } else if (step == 2) {
                release.countDown();
                step = 3;
            }
            Thread.sleep(millis);
        }
    }
}
