package dev.starvation.common;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread of its own that notices when a watched thread stops coming back, in the spirit of Vert.x's
 * BlockedThreadChecker, and logs a {@code STALL} line with that thread's stack so the log names the code that holds it.
 * It must not run on a watched thread: a stalled loop cannot report its own stall. When the whole process stood still
 * (its own sleep woke late, or GC time grew) it says {@code STALL process paused} instead of blaming a thread.
 */
public final class StallWatchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StallWatchdog.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** How the watchdog waits between rounds; tests stand in a late sleep for a frozen process. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
    private final List<Runnable> checks = new CopyOnWriteArrayList<>();
    private final long intervalMillis;
    private final Sleeper sleeper;
    private final ProcessPauses pauses;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long pauseCount;

    /** Starts the watchdog thread; it checks every {@code interval} and hands loops a tick as often. */
    public StallWatchdog(Duration interval) {
        this(interval, Thread::sleep, ProcessPauses::totalGcMillis);
    }

    StallWatchdog(Duration interval, Sleeper sleeper, LongSupplier gcMillis) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("watchdog interval must be positive, got " + interval);
        }
        this.intervalMillis = Math.max(1, interval.toMillis());
        this.sleeper = sleeper;
        // Waking up to an interval late is the scheduler's jitter on a busy machine; past that, everything stood still.
        this.pauses = new ProcessPauses(gcMillis, Math.max(10, intervalMillis) * 1_000_000L);
        this.thread = new Thread(this::run, "stall-watchdog");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Watches a loop such as a Netty event loop: every interval the watchdog hands it a tick and measures how late the
     * tick runs; a tick still waiting after {@code limit} is a stall.
     */
    public Heartbeat watchExecutor(String name, Executor loop, Duration limit, StallMessage message) {
        return add(new Heartbeat(name, null, loop, positive(limit), message));
    }

    /** Watches a thread that reports in by calling {@link Heartbeat#beat()}; silence past {@code limit} is a stall. */
    public Heartbeat watchThread(Thread watched, Duration limit, StallMessage message) {
        return add(new Heartbeat(watched.getName(), watched, null, positive(limit), message));
    }

    /**
     * Runs {@code check} on the watchdog thread every interval, after the heartbeats: for watches of their own, such as
     * {@link JobWatch}'s deadlines, that must not depend on a thread that may be the one stuck.
     */
    public void everyInterval(Runnable check) {
        checks.add(check);
    }

    private Heartbeat add(Heartbeat heartbeat) {
        heartbeats.add(heartbeat);
        return heartbeat;
    }

    private static long positive(Duration limit) {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("stall limit must be positive, got " + limit);
        }
        return limit.toNanos();
    }

    private void run() {
        long sleptAt = System.nanoTime();
        long offCpuLastRound = 0;
        while (running) {
            long now = System.nanoTime();
            long cpuAtStart = threadCpuNanos();
            // Late from the sleep, or frozen while this thread worked (a freeze need not wait for our sleep to begin).
            ProcessPauses.Pause pause = pauses.observe(now,
                    now - sleptAt - intervalMillis * 1_000_000 + offCpuLastRound);
            if (pause != null && pause.pausedNanos() >= shortestLimitNanos()) {
                pauseCount++;
                LOG.warn("STALL process paused {} ms (GC {} ms): every thread stood still, not counted as a stall",
                        pause.pausedNanos() / 1_000_000, pause.gcMillis());
            }
            for (Heartbeat hb : heartbeats) {
                long silent = hb.newStallNanos(now, pauses.pausedSince(hb.silentSince()));
                if (silent >= 0) {
                    report(hb, silent);
                }
                long over = hb.takeRecovered();
                if (over >= 0) {
                    // The first line came at the limit; this one says how long the thread was really gone.
                    LOG.warn("STALL over: {} came back after {} ms", hb.threadName(), over / 1_000_000);
                }
                if (hb.isClosed()) {
                    // Only now: a thread that came back and then closed its watch still gets its STALL over line.
                    heartbeats.remove(hb);
                    continue;
                }
                hb.tick();
            }
            for (Runnable check : checks) {
                try {
                    check.run();
                } catch (RuntimeException e) {
                    // One broken check must not blind the watchdog to every other stall.
                    LOG.warn("watchdog check failed: {}", e.toString());
                }
            }
            try {
                sleptAt = System.nanoTime();
                offCpuLastRound = cpuAtStart < 0 ? 0 : Math.max(0, (sleptAt - now) - (threadCpuNanos() - cpuAtStart));
                sleeper.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * This thread's CPU time, or -1 where the JVM cannot tell: a round's wall time without CPU time is time it stood
     * still (a freeze, a starved VM) like a late wake-up, and is counted as one.
     */
    private static long threadCpuNanos() {
        return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
    }

    /** A pause shorter than every watched limit could not have passed for a stall: not worth a line. */
    private long shortestLimitNanos() {
        return heartbeats.stream().mapToLong(Heartbeat::limitNanos).min().orElse(Long.MAX_VALUE);
    }

    /** How many times the whole process was seen paused for longer than the shortest stall limit. */
    public long pauses() {
        return pauseCount;
    }

    private static void report(Heartbeat hb, long silentNanos) {
        List<Thread> stalled = hb.stalledThreads();
        if (stalled.isEmpty()) {
            LOG.warn(hb.line(silentNanos));
            return;
        }
        // One log event per stall: the other threads' stacks ride along as suppressed ones under the first.
        StalledThreadStack first = new StalledThreadStack(stalled.get(0), stalled.size() > 1);
        stalled.subList(1, stalled.size()).forEach(t -> first.addSuppressed(new StalledThreadStack(t, false)));
        LOG.warn(hb.line(silentNanos), first);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Carries a stalled thread's stack into the log, printed like an exception's under the {@code STALL} line. */
    static final class StalledThreadStack extends RuntimeException {
        StalledThreadStack(Thread watched, boolean carriesOthers) {
            super("stack of " + watched.getName() + " (" + watched.getState() + ")", null, carriesOthers, true);
            setStackTrace(watched.getStackTrace());
        }
    }
}
