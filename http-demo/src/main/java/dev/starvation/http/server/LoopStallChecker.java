package dev.starvation.http.server;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Watches every event loop of a group with the shared {@link StallWatchdog} and logs {@code STALL event loop …}. */
final class LoopStallChecker implements AutoCloseable {

    private final StallWatchdog watchdog;
    private final List<Heartbeat> loops = new ArrayList<>();

    LoopStallChecker(EventLoopGroup group, Duration limit) {
        long limitMs = limit.toMillis();
        // Ticks a few times per limit, so a stall is seen soon after it passes the limit, yet cost the loop nothing.
        this.watchdog = new StallWatchdog(Duration.ofMillis(Math.max(5, Math.min(50, limitMs / 4))));
        for (EventExecutor loop : group) {
            loops.add(watchdog.watchExecutor("event loop", loop, limit,
                    (thread, ms) -> "STALL event loop " + thread + " blocked for " + ms + " ms (limit " + limitMs + " ms)"));
        }
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

    @Override
    public void close() {
        watchdog.close();
    }
}
