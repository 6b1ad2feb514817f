package dev.starvation.common;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One thread watched by a {@link StallWatchdog}: when it last showed life, and the histogram of how long it stayed away.
 * A loop thread shows life by running a tick the watchdog hands it; a poll thread by calling {@link #beat()} itself.
 */
public final class Heartbeat {

    private static final long HIGHEST_MICROS = 3_600_000_000L;

    private final String name;
    private final long limitNanos;
    private final StallMessage message;
    private final Executor tickExecutor;
    /** Written by the watched thread itself: a Recorder records wait-free, so the loop never waits on a reader. */
    private final Recorder gaps = new Recorder(HIGHEST_MICROS, 3);
    /** Everything recorded so far, added up by readers (under this object's lock, never the loop's). */
    private final Histogram gapsSoFar = new Histogram(HIGHEST_MICROS, 3);
    private Histogram recycled;
    private final List<LongConsumer> gapListeners = new CopyOnWriteArrayList<>();
    /** Whose stacks a STALL line shows instead of the watched thread's; null: the watched thread's. */
    private volatile Supplier<List<Thread>> culprits;
    private final AtomicBoolean tickPending = new AtomicBoolean();
    private volatile Thread thread;
    /** Start of the current silence: the last beat, or when the pending tick was handed over. */
    private volatile long silentSince;
    private volatile long reportedFor;
    /** The whole length of a reported stall once the thread is back, until the watchdog logs it; -1 if none. */
    private volatile long recoveredAfter = -1;
    private volatile long stalls;
    private volatile long maxGapNanos;
    private volatile boolean closed;
    /** The watched thread waits for work on purpose, holding nothing its silence could starve: it owes nothing. */
    private volatile boolean idle;

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
        if (idle) {
            // Back from a wait announced by idle(): the wait was no silence, and is not recorded as a gap.
            idle = false;
            return;
        }
        ended(since, now - since);
    }

    /**
     * Marks the watched thread alive now, then lets it wait for work for as long as it takes: until its next
     * {@link #beat()} it owes no sign of life, is never reported, and the wait is not recorded as a gap. For a thread
     * that holds nothing its silence could starve, such as a consumer waiting for records with none in hand. Called on
     * the watched thread.
     */
    public void idle() {
        beat();
        idle = true;
    }

    /**
     * Calls {@code listener} with every silence recorded from now on, in nanoseconds (for metrics such as a Micrometer
     * timer). It runs on the watched thread, the loop itself: it must be quick and must not block.
     */
    public Heartbeat onGap(LongConsumer listener) {
        gapListeners.add(listener);
        return this;
    }

    /** A silence that started at {@code since} is over; remember its length if it was reported as a stall. */
    private void ended(long since, long gapNanos) {
        record(gapNanos);
        if (reportedFor == since) {
            recoveredAfter = gapNanos;
        }
    }

    private void record(long gapNanos) {
        long gap = Math.max(gapNanos, 0);
        gaps.recordValue(Math.min(gap / 1_000, HIGHEST_MICROS));
        // One writer per heartbeat (the watched thread), so a plain read-compare-write keeps the maximum.
        if (gap > maxGapNanos) {
            maxGapNanos = gap;
        }
        for (LongConsumer listener : gapListeners) {
            listener.accept(gap);
        }
    }

    /**
     * Names the threads a {@code STALL} line shows the stacks of, asked at the moment of the stall, instead of the
     * watched thread's: for a tick that waits for a pool whose threads are held by others (virtual threads mounted on
     * the carriers), the holders are the news, not the tick.
     */
    public Heartbeat blaming(Supplier<List<Thread>> threads) {
        culprits = threads;
        return this;
    }

    /** The threads to show under a STALL line: the culprits if named, else the watched thread if known. */
    List<Thread> stalledThreads() {
        Supplier<List<Thread>> named = culprits;
        if (named != null) {
            return named.get();
        }
        Thread t = thread;
        return t == null ? List.of() : List.of(t);
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

    /** True while the watched thread owes a sign of life: always for a beating thread, while a tick waits for a loop. */
    private boolean owing() {
        return !closed && !idle && (tickExecutor == null || tickPending.get());
    }

    /** When the current silence began (watchdog thread). */
    long silentSince() {
        return silentSince;
    }

    long limitNanos() {
        return limitNanos;
    }

    /**
     * Called by the watchdog thread: how long the thread has been silent, if past the limit and not yet reported;
     * -1 otherwise. {@code pausedNanos} is how long the whole process stood still during this silence: a silence
     * that the pause explains is not the thread's stall.
     */
    long newStallNanos(long now, long pausedNanos) {
        if (!owing()) {
            return -1;
        }
        long since = silentSince;
        long silent = now - since;
        if (silent - pausedNanos <= limitNanos || reportedFor == since) {
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

    /** How many times the thread stayed silent past the limit (pauses of the whole process not counted). */
    public long stalls() {
        return stalls;
    }

    /** How long the watched thread has been silent so far, in milliseconds; 0 while it owes nothing or is closed. */
    public long currentSilenceMillis() {
        return owing() ? Math.max(0, System.nanoTime() - silentSince) / 1_000_000 : 0;
    }

    /** The longest silence seen so far, in milliseconds, including the current one if it is longer. */
    public long maxGapMillis() {
        return Math.max(maxGapNanos / 1_000_000, currentSilenceMillis());
    }

    /** A copy of the recorded silences, in microseconds. */
    public synchronized Histogram gapsMicros() {
        recycled = gaps.getIntervalHistogram(recycled);
        gapsSoFar.add(recycled);
        return gapsSoFar.copy();
    }

    /** Stops watching (a closed consumer is silent on purpose). */
    public void close() {
        closed = true;
    }

    boolean isClosed() {
        return closed;
    }
}
