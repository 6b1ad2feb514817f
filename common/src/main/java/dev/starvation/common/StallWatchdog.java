package dev.starvation.common;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread of its own that notices when a watched thread stops coming back, in the spirit of Vert.x's
 * BlockedThreadChecker, and logs a {@code STALL} line with that thread's stack so the log names the code that holds it.
 * It must not run on a watched thread: a stalled loop cannot report its own stall.
 */
public final class StallWatchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StallWatchdog.class);

    private final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();
    private final List<Runnable> checks = new CopyOnWriteArrayList<>();
    private final long intervalMillis;
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts the watchdog thread; it checks every {@code interval} and hands loops a tick as often. */
    public StallWatchdog(Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("watchdog interval must be positive, got " + interval);
        }
        this.intervalMillis = Math.max(1, interval.toMillis());
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
        while (running) {
            long now = System.nanoTime();
            for (Heartbeat hb : heartbeats) {
                if (hb.isClosed()) {
                    heartbeats.remove(hb);
                    continue;
                }
                long silent = hb.newStallNanos(now);
                if (silent >= 0) {
                    report(hb, silent);
                }
                long over = hb.takeRecovered();
                if (over >= 0) {
                    // The first line came at the limit; this one says how long the thread was really gone.
                    LOG.warn("STALL over: {} came back after {} ms", hb.threadName(), over / 1_000_000);
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
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void report(Heartbeat hb, long silentNanos) {
        Thread watched = hb.thread();
        if (watched == null) {
            LOG.warn(hb.line(silentNanos));
            return;
        }
        LOG.warn(hb.line(silentNanos), new StalledThreadStack(watched));
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
        StalledThreadStack(Thread watched) {
            super("stack of " + watched.getName() + " (" + watched.getState() + ")", null, false, true);
            setStackTrace(watched.getStackTrace());
        }
    }
}
