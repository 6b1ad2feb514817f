package dev.starvation.common;

import java.time.Duration;

/** CPU-bound work of a given length: a busy loop that holds its core the way real computation does, not a sleep. */
public final class CpuWork {

    /** Where the loop's arithmetic goes, so the JIT cannot drop it as unused. */
    private static volatile long sink;

    private CpuWork() {
    }

    /**
     * Burns CPU for {@code length}, checking for interruption as it goes so that a pool being shut down can abandon it.
     *
     * @return true if the whole length was burnt, false if the thread was interrupted first (its flag stays set)
     */
    public static boolean burn(Duration length) {
        long deadline = System.nanoTime() + length.toNanos();
        long x = 0;
        while (System.nanoTime() < deadline) {
            // Some arithmetic per turn, so the loop is real work and not only clock reads.
            for (int i = 0; i < 1_000; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
            }
            if (Thread.currentThread().isInterrupted()) {
                sink = x;
                return false;
            }
        }
        sink = x;
        return true;
    }
}
