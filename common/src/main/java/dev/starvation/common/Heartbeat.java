package dev.starvation.common;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * One thread watched by a {@link StallWatchdog}: when it last showed life, and the histogram of how long it stayed away.
 * A loop thread shows life by running a tick the watchdog hands it; a poll thread by calling {@link #beat()} itself.
 */
public final class Heartbeat {

    private final String name;
    private final long limitNanos;
    private final StallMessage message;
    private final Executor tickExecutor;
    private final Histogram gapsMicros = new SynchronizedHistogram(3_600_000_000L, 3);
    private final AtomicBoolean tickPending = new AtomicBoolean();
    private final List<LongConsumer> gapListeners = new CopyOnWriteArrayList<>();
    private volatile Thread thread;
    /** Start of the current silence: the last beat, or when the pending tick was handed over. */
    private volatile long silentSince;
    private volatile long reportedFor;
    /** The whole length of a reported stall once the thread is back, until the watchdog logs it; -1 if none. */
    private volatile long recoveredAfter = -1;
    private volatile long stalls;
    private volatile long maxGapNanos;
    private volatile boolean closed;

    Heartbeat(String name, Thread thread, Executor tickExecutor, long limitNanos, StallMessage message) {
        this.name = name;
        this.thread = thread;
        this.tickExecutor = tickExecutor;
        this.limitNanos = limitNanos;
        this.message = message;
        this.silentSince = System.nanoTime();
    }

    /** Marks the watched thread alive now and records how long it was silent. Called on the watched thread. */
    public void beat() {
        long now = System.nanoTime();
        long since = silentSince;
        silentSince = now;
        ended(since, now - since);
    }

    /** A silence that started at {@code since} is over; remember its length if it was reported as a stall. */
    private void ended(long since, long gapNanos) {
        record(gapNanos);
        if (reportedFor == since) {
            recoveredAfter = gapNanos;
        }
    }

    private void record(long gapNanos) {
        gapsMicros.recordValue(Math.min(Math.max(gapNanos / 1_000, 0), gapsMicros.getHighestTrackableValue()));
        if (gapNanos > maxGapNanos) {
            maxGapNanos = gapNanos;
        }
        for (LongConsumer listener : gapListeners) {
            listener.accept(gapNanos);
        }
    }

    /**
     * Tells {@code listener} the length of every silence as it ends, in nanoseconds, on the watched thread: a metrics
     * histogram is fed this way. Keep it cheap; it runs on the loop.
     */
    public void onGap(LongConsumer listener) {
        gapListeners.add(listener);
    }

    /** How long the thread has been silent right now, in milliseconds: 0 while a loop has no tick waiting. */
    public long currentSilenceMillis() {
        if (closed || (tickExecutor != null && !tickPending.get())) {
            return 0;
        }
        return Math.max(0, System.nanoTime() - silentSince) / 1_000_000;
    }

    /** Called by the watchdog thread: hand a tick to the executor unless the last one has not run yet. */
    void tick() {
        if (tickExecutor == null || !tickPending.compareAndSet(false, true)) {
            return;
        }
        long handedAt = System.nanoTime();
        silentSince = handedAt;
        try {
            tickExecutor.execute(() -> {
                thread = Thread.currentThread();
                ended(handedAt, System.nanoTime() - handedAt);
                tickPending.set(false);
            });
        } catch (RuntimeException rejected) {
            // The loop is shutting down: nothing left to watch.
            closed = true;
        }
    }

    /** Called by the watchdog thread: how long the thread has been silent, if past the limit and not yet reported. */
    long newStallNanos(long now) {
        if (closed || (tickExecutor != null && !tickPending.get())) {
            return -1;
        }
        long since = silentSince;
        long silent = now - since;
        if (silent <= limitNanos || reportedFor == since) {
            return -1;
        }
        reportedFor = since;
        stalls++;
        return silent;
    }

    /** Called by the watchdog thread: the length of a reported stall that has just ended, once; -1 if none. */
    long takeRecovered() {
        long after = recoveredAfter;
        if (after >= 0) {
            recoveredAfter = -1;
        }
        return after;
    }

    String line(long silentNanos) {
        return message.format(threadName(), silentNanos / 1_000_000);
    }

    /** The watched thread, once known (a loop's thread is learnt from its first tick). */
    public Thread thread() {
        return thread;
    }

    String threadName() {
        Thread t = thread;
        return t != null ? t.getName() : name;
    }

    /** What this heartbeat watches, as given to the watchdog. */
    public String name() {
        return name;
    }

    /** How many times the thread stayed silent past the limit. */
    public long stalls() {
        return stalls;
    }

    /** The longest silence seen so far, in milliseconds, including the current one if it is longer. */
    public long maxGapMillis() {
        long current = closed ? 0 : System.nanoTime() - silentSince;
        boolean silentNow = tickExecutor == null || tickPending.get();
        return Math.max(maxGapNanos, silentNow ? current : 0) / 1_000_000;
    }

    /** A copy of the recorded silences, in microseconds. */
    public Histogram gapsMicros() {
        return gapsMicros.copy();
    }

    /** Stops watching (a closed consumer is silent on purpose). */
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }
}
