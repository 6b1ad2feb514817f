package dev.starvation.common;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The times the whole process stood still (a GC, a frozen or starved VM), seen by the watchdog thread: its own sleep
 * woke late, or the JVM's GC time grew. A silence they explain is a pause of every thread, not a stall of the one
 * watched. Used on the watchdog thread only.
 */
final class ProcessPauses {

    /** Pauses older than this cannot explain a silence anyone still asks about. */
    private static final long KEEP_NANOS = 15 * 60 * 1_000_000_000L;
    private static final int KEEP_AT_MOST = 1_024;

    /** One pause: when the watchdog noticed it, how long the process stood still, and how much of it was GC. */
    record Pause(long endNanos, long pausedNanos, long gcMillis) {
    }

    private final LongSupplier gcMillis;
    private final long noiseNanos;
    private final ArrayDeque<Pause> recent = new ArrayDeque<>();
    private long lastGcMillis;

    /**
     * @param gcMillis   the JVM's total GC time so far, in ms
     * @param noiseNanos lateness below this is the scheduler's ordinary jitter, not a pause worth remembering
     */
    ProcessPauses(LongSupplier gcMillis, long noiseNanos) {
        this.gcMillis = gcMillis;
        this.noiseNanos = noiseNanos;
        this.lastGcMillis = gcMillis.getAsLong();
    }

    /** The collection time of every collector of this JVM, in ms (for G1, Serial and Parallel: stop-the-world time). */
    static long totalGcMillis() {
        return stopTheWorldMillis(ManagementFactory.getGarbageCollectorMXBeans());
    }

    /**
     * The time the collectors stood the application still, in ms. ZGC's and Shenandoah's "… Cycles" beans, and G1's
     * "G1 Concurrent GC", time work done beside the application: counting it would excuse a real stall as a pause.
     */
    static long stopTheWorldMillis(List<GarbageCollectorMXBean> collectors) {
        long total = 0;
        for (GarbageCollectorMXBean gc : collectors) {
            String name = gc.getName();
            if (!name.endsWith("Cycles") && !name.contains("Concurrent")) {
                total += Math.max(0, gc.getCollectionTime());
            }
        }
        return total;
    }

    /**
     * Called once per round, after the watchdog's sleep, with how late it woke: the pause since the last round, or
     * null if there was none past the noise.
     */
    Pause observe(long now, long lateNanos) {
        long gc = gcMillis.getAsLong();
        long gcDelta = Math.max(0, gc - lastGcMillis);
        lastGcMillis = gc;
        // A GC that started and ended inside the sleep does not make the watchdog late, yet froze the loop all the same.
        long paused = Math.max(lateNanos, gcDelta * 1_000_000);
        if (paused < noiseNanos) {
            return null;
        }
        Pause pause = new Pause(now, paused, gcDelta);
        recent.addLast(pause);
        while (recent.size() > KEEP_AT_MOST || now - recent.peekFirst().endNanos() > KEEP_NANOS) {
            recent.removeFirst();
        }
        return pause;
    }

    /** How long the process stood still since {@code since} (a pause that began before it counts only in part). */
    long pausedSince(long since) {
        long total = 0;
        for (Iterator<Pause> it = recent.descendingIterator(); it.hasNext(); ) {
            Pause p = it.next();
            if (p.endNanos() - since <= 0) {
                break;
            }
            total += Math.min(p.pausedNanos(), p.endNanos() - since);
        }
        return total;
    }
}
