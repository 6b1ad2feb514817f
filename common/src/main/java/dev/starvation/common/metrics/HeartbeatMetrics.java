package dev.starvation.common.metrics;

import dev.starvation.common.Heartbeat;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Publishes what a {@link Heartbeat} sees as three meters: a histogram of every silence as it ends ({@code <name>_seconds},
 * fed through {@link Heartbeat#onGap}), the stalls so far ({@code <prefix>_stalls_total}) and the silence going on now
 * ({@code <prefix>_stall_seconds}). The histogram only learns of a silence once it is over; the gauge is what shows a
 * stall while it lasts, so alert on the gauge.
 */
public final class HeartbeatMetrics {

    /** Buckets from a healthy loop's tick (well under 1 ms) to a consumer thrown out of its group (minutes). */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};

    private HeartbeatMetrics() {
    }

    /**
     * Binds {@code heartbeat} to {@code registry}.
     *
     * @param histogram the histogram's name without unit, e.g. {@code event.loop.lag}
     * @param prefix    the stall meters' prefix, e.g. {@code event.loop}
     * @param what      what the silence is, for the meters' help text
     * @param tags      e.g. {@code loop=event-loop-1-1}
     */
    public static void bind(MeterRegistry registry, Heartbeat heartbeat, String histogram, String prefix, String what,
            Tags tags) {
        Timer gaps = Timer.builder(histogram)
                .description(what + ", recorded when it ends")
                .tags(tags)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
        heartbeat.onGap(nanos -> gaps.record(nanos, TimeUnit.NANOSECONDS));
        FunctionCounter.builder(prefix + ".stalls", heartbeat, Heartbeat::stalls)
                .description("Times the " + what + " passed the stall limit (each logged as a STALL line)")
                .tags(tags)
                .register(registry);
        TimeGauge.builder(prefix + ".stall", heartbeat, TimeUnit.MILLISECONDS, Heartbeat::currentSilenceMillis)
                .description("The " + what + " going on now: grows during a stall, 0 once the thread is back")
                .tags(tags)
                .register(registry);
    }
}
