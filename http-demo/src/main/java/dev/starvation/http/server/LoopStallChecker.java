package dev.starvation.http.server;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Watches every event loop of a group with the shared {@link StallWatchdog} and logs {@code STALL event loop …}. */
final class LoopStallChecker {

    private final List<Heartbeat> loops = new ArrayList<>();

    LoopStallChecker(StallWatchdog watchdog, EventLoopGroup group, Duration limit) {
        long limitMs = limit.toMillis();
        for (EventExecutor loop : group) {
            loops.add(watchdog.watchExecutor("event loop", loop, limit,
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit " + limitMs + " ms)"));
        }
    }

    /** How often the watchdog should tick for {@code limit}: a few times per limit, so a stall is seen soon after it. */
    static Duration interval(Duration limit) {
        return Duration.ofMillis(Math.max(5, Math.min(50, limit.toMillis() / 4)));
    }

    long stalls() {
        return loops.stream().mapToLong(Heartbeat::stalls).sum();
    }

    /** The worst lateness of a tick on any loop, in ms. */
    long maxLagMillis() {
        return loops.stream().mapToLong(h -> h.gapsMicros().getMaxValue() / 1000).max().orElse(0);
    }
}
