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

    /** The lines that blame the test's loop; a busy machine may add {@code STALL process paused} lines besides. */
    private static final String BLOCKED = "STALL event loop test-loop blocked for ";
    private static final String OVER = "STALL over: test-loop";

    /** A single-threaded executor named test-loop, standing in for an event loop. */
    private static ExecutorService testLoop() {
        return Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
    }

    /** Watches {@code loop} as the servers watch an event loop, with the STALL line they log. */
    private static Heartbeat watchLoop(StallWatchdog watchdog, ExecutorService loop, long limitMillis) {
        return watchdog.watchExecutor("test-loop", loop, Duration.ofMillis(limitMillis),
                (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit " + limitMillis
                        + " ms)");
    }

    private static void blockOnPurpose(CountDownLatch release) throws InterruptedException {
        release.await(5, TimeUnit.SECONDS);
    }

    /** How many STALL lines blame the test's loop with the stack of the code the test blocks it with. */
    private static long blockLines(LogCapture log) {
        return log.stacksOf(BLOCKED).stream().filter(s -> s.contains("blockOnPurpose")).count();
    }

    @Test
    void blockedLoopIsReportedOnceWithTheStackOfTheCodeThatBlocksIt() throws Exception {
        ExecutorService loop = testLoop();
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchLoop(watchdog, loop, 100);
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.thread() != null);
            // A busy machine may delay the free loop past 100 ms before the test blocks it: the block's own line is
            // the one whose stack holds blockOnPurpose.
            long stallsBefore = hb.stalls();

            loop.execute(() -> {
                try {
                    blockOnPurpose(release);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(3)).until(() -> blockLines(log) == 1);
            // Still blocked: the same stall is not logged again.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> blockLines(log) == 1);
            assertThat(hb.stalls()).isGreaterThan(stallsBefore);
            release.countDown();

            assertThat(log.linesStartingWith(BLOCKED))
                    .allMatch(l -> l.matches("STALL event loop test-loop blocked for \\d+ ms \\(limit 100 ms\\)"));
            // Once the loop is back, one more line says how long it was really gone: at least the 300 ms watched above.
            await().atMost(Duration.ofSeconds(2)).until(() -> log.linesStartingWith(OVER).stream()
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D+", " ").trim())).anyMatch(ms -> ms >= 300));
            assertThat(log.linesStartingWith(OVER)).allMatch(l -> l.matches("STALL over: test-loop came back after \\d+ ms"));
            assertThat(hb.gapsMicros().getMaxValue()).isGreaterThanOrEqualTo(300_000);
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
            // Only lines that blame the loop count: a busy machine may pause the whole process ("STALL process paused").
            assertThat(log.lines()).filteredOn(l -> l.startsWith("STALL") && !l.startsWith("STALL process paused"))
                    .isEmpty();
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
            await().atMost(Duration.ofSeconds(2)).until(() -> !log.linesStartingWith("STALL poll thread").isEmpty());
            hb.beat();
            // Done being watched at once, as a consumer that closes: this thread's waits below are not silences.
            hb.close();
            await().atMost(Duration.ofSeconds(2)).until(() -> log.linesStartingWith("STALL over").size() == 1);

            assertThat(log.linesStartingWith("STALL poll thread")).singleElement().asString()
                    .startsWith("STALL poll thread silent for ");
            assertThat(log.stacksOf("STALL poll thread").get(0)).contains("silentThreadIsReportedOnceAndItsLongestGapKept");
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
            // Looked at before the next beat: from that beat on the thread owes again, and a busy machine may delay it.
            assertThat(hb.currentSilenceMillis()).isZero();
            assertThat(log.linesStartingWith("STALL poll thread")).isEmpty();
            assertThat(hb.stalls()).isZero();
            hb.beat();
            assertThat(hb.gapsMicros().getMaxValue()).as("the 1 s wait is not recorded as a gap").isLessThan(1_000_000);
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
        ExecutorService loop = testLoop();
        FreezingSleeper sleeper = new FreezingSleeper(loop, 1_000, 900);
        List<Long> gaps = new CopyOnWriteArrayList<>();
        try (LogCapture log = LogCapture.start();
                StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10), sleeper, sleeper::gcMillis)) {
            Heartbeat hb = watchLoop(watchdog, loop, 300).onGap(gaps::add);
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.thread() != null);

            sleeper.freezeOnce();
            // The loop's tick waited through the whole freeze: a gap of a second, yet no thread of ours was to blame.
            await().atMost(Duration.ofSeconds(5)).until(() -> gaps.stream().anyMatch(g -> g >= 1_000_000_000L));

            // The frozen round is the one with 900 ms of GC; a busy machine may add pauses of its own, never a stall.
            assertThat(log.linesStartingWith("STALL process paused")).filteredOn(l -> l.contains("(GC 900 ms)"))
                    .singleElement().asString()
                    .matches("STALL process paused \\d+ ms \\(GC 900 ms\\): every thread stood still, not counted as a stall");
            long paused = Long.parseLong(log.linesStartingWith("STALL process paused").stream()
                    .filter(l -> l.contains("(GC 900 ms)")).findFirst().orElseThrow().split(" ")[3]);
            assertThat(paused).isGreaterThanOrEqualTo(1_000);
            assertThat(log.linesStartingWith("STALL event loop")).isEmpty();
            assertThat(hb.stalls()).isZero();
            assertThat(watchdog.pauses()).isGreaterThanOrEqualTo(1);
            assertThat(hb.maxGapMillis()).isGreaterThanOrEqualTo(1_000);
        } finally {
            loop.shutdownNow();
        }
    }

    @Test
    void freezeWhileTheWatchdogWorksIsAPauseNotALoopStall() throws Exception {
        // The freeze lands in a round, not in the sleep between rounds: the watchdog thread stands still for 800 ms
        // (here in one of its own checks, off the CPU, as a SIGSTOP or a descheduled VM would hold it) and wakes on time.
        ExecutorService loop = testLoop();
        CountDownLatch freeze = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start(); StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchLoop(watchdog, loop, 300);
            watchdog.everyInterval(() -> {
                if (freeze.getCount() == 0) {
                    return;
                }
                freeze.countDown();
                try {
                    Thread.sleep(800);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> log.linesStartingWith("STALL process paused").stream()
                    .anyMatch(l -> Long.parseLong(l.split(" ")[3]) >= 700));
            assertThat(log.linesStartingWith("STALL event loop")).isEmpty();
            assertThat(hb.stalls()).isZero();
        } finally {
            loop.shutdownNow();
        }
    }

    @Test
    void loopBlockedBeyondAPauseIsStillAStall() throws Exception {
        ExecutorService loop = testLoop();
        FreezingSleeper sleeper = new FreezingSleeper(loop, 500, 0);
        CountDownLatch release = new CountDownLatch(1);
        try (LogCapture log = LogCapture.start();
                StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10), sleeper, sleeper::gcMillis)) {
            Heartbeat hb = watchLoop(watchdog, loop, 300);
            await().atMost(Duration.ofSeconds(2)).until(() -> hb.thread() != null);

            sleeper.freezeOnce();
            await().atMost(Duration.ofSeconds(5)).until(() -> watchdog.pauses() >= 1);
            // The process runs again but the loop does not: from here on it is the loop's own stall.
            loop.execute(() -> {
                try {
                    blockOnPurpose(release);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // The watchdog counts the stall, then takes the stack and logs: wait for the line, the last of the two.
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> log.stacksOf(BLOCKED).stream().anyMatch(s -> s.contains("blockOnPurpose")));
            release.countDown();

            assertThat(hb.stalls()).isPositive();
            assertThat(log.linesStartingWith(BLOCKED)).allMatch(l -> l.endsWith(" ms (limit 300 ms)"));
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
