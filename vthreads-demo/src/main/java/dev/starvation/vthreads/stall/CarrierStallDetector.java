package dev.starvation.vthreads.stall;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * Watches the virtual-thread scheduler: the common watchdog, on a platform thread that cannot starve with the carriers,
 * hands a tick to a new virtual thread every interval, which waits in the scheduler's queues exactly as a new request
 * does. A tick late past the limit is logged as {@code STALL virtual-thread scheduler: N carriers busy for M ms} with
 * the stacks of the request threads mounted on the carriers, which name the code that holds them.
 */
public final class CarrierStallDetector {

    private final Heartbeat heartbeat;
    private final RequestThreads requests;
    private final Scheduler scheduler;

    public CarrierStallDetector(StallWatchdog watchdog, RequestThreads requests, Scheduler scheduler,
            Duration limit) {
        this.requests = requests;
        this.scheduler = scheduler;
        Executor onVirtualThread = task -> Thread.ofVirtual().name("carrier-heartbeat").start(task);
        this.heartbeat = watchdog.watchExecutor("carrier-heartbeat", onVirtualThread, limit,
                        (thread, millis) -> "STALL virtual-thread scheduler: " + busyCarriers() + " carriers busy for "
                                + millis + " ms (limit " + limit.toMillis() + " ms, " + scheduler.parallelism()
                                + " carriers)")
                .blaming(this::holders);
    }

    /** The request threads on the carriers now, whose stacks go under the STALL line. */
    private List<Thread> holders() {
        return requests.mounted();
    }

    /** The scheduler's own count of mounted threads where the JDK gives it, else the request threads we see mounted. */
    private long busyCarriers() {
        long mounted = scheduler.mounted();
        return mounted >= 0 ? mounted : requests.mounted().size();
    }

    /** Stalls reported so far. */
    public long stalls() {
        return heartbeat.stalls();
    }

    /** The latest the heartbeat has run, in milliseconds. */
    public long maxLateMillis() {
        return heartbeat.maxGapMillis();
    }
}
