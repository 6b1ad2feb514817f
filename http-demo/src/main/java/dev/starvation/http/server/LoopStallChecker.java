package dev.starvation.http.server;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches every event loop of a group with the shared {@link StallWatchdog} and logs {@code STALL event loop …}; a loop
 * stalled past {@code --loop-deadline} is wedged, which {@code /health} reports from whichever loop answers it.
 */
final class LoopStallChecker {

    private final List<Heartbeat> loops = new ArrayList<>();
    private final long deadlineMillis;
    /** Why liveness fails, worked out on the watchdog's thread so that {@code /health} only reads a field; or null. */
    private volatile String wedged;

    LoopStallChecker(StallWatchdog watchdog, EventLoopGroup group, Duration limit, Duration deadline) {
        long limitMs = limit.toMillis();
        this.deadlineMillis = deadline.toMillis();
        for (EventExecutor loop : group) {
            loops.add(watchdog.watchExecutor("event loop", loop, limit,
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit " + limitMs + " ms)"));
        }
        watchdog.everyInterval(this::checkDeadline);
    }

    private void checkDeadline() {
        StringBuilder reason = null;
        int count = 0;
        for (Heartbeat loop : loops) {
            long silent = loop.currentSilenceMillis();
            if (silent > deadlineMillis) {
                reason = reason == null ? new StringBuilder() : reason.append(", ");
                reason.append(loop.thread() != null ? loop.thread().getName() : loop.name()).append(" for ")
                        .append(silent).append(" ms");
                count++;
            }
        }
        wedged = reason == null ? null : count + " event loop(s) stalled past the " + deadlineMillis
                + " ms --loop-deadline: " + reason;
    }

    /** Why liveness should fail: the loops stalled past {@code --loop-deadline}; null while none is. */
    String wedged() {
        return wedged;
    }

    /** How often the watchdog should tick for {@code limit}: a few times per limit, so a stall is seen soon after it. */
    static Duration interval(Duration limit) {
        return Duration.ofMillis(Math.max(5, Math.min(50, limit.toMillis() / 4)));
    }

    /** Each loop's heartbeat, for the metrics. */
    List<Heartbeat> heartbeats() {
        return List.copyOf(loops);
    }

    long stalls() {
        return loops.stream().mapToLong(Heartbeat::stalls).sum();
    }

    /** The worst lateness of a tick on any loop, in ms. */
    long maxLagMillis() {
        return loops.stream().mapToLong(h -> h.gapsMicros().getMaxValue() / 1000).max().orElse(0);
    }
}
