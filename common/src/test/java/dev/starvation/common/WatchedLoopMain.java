package dev.starvation.common;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A process with one idle loop under a {@link StallWatchdog}, for tests that freeze the whole process from outside. */
public final class WatchedLoopMain {

    private WatchedLoopMain() {
    }

    public static void main(String[] args) throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "idle-loop"));
        try (StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(10))) {
            Heartbeat hb = watchdog.watchExecutor("idle-loop", loop, Duration.ofMillis(200),
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit 200 ms)");
            while (hb.thread() == null) {
                Thread.sleep(10);
            }
            System.out.println("READY");
            // Until the test closes our stdin (or 60 s, so a lost test leaves nothing behind).
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.in.available() >= 0 && System.nanoTime() < end) {
                if (System.in.read() < 0) {
                    break;
                }
            }
            System.out.println("SUMMARY stalls=" + hb.stalls() + " pauses=" + watchdog.pauses());
        } finally {
            loop.shutdownNow();
        }
    }
}
