package dev.starvation.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HeartbeatMetricsTest {

    @Test
    void blockedLoopShowsItsStallInTheGaugeWhileItLastsAndInTheHistogramOnceOver() throws Exception {
        ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
        try (PrometheusMetrics metrics = new PrometheusMetrics();
             StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(20))) {
            Heartbeat hb = watchdog.watchExecutor("loop", loop, Duration.ofMillis(200), (t, ms) -> "STALL " + t);
            HeartbeatMetrics.bind(metrics.registry(), hb, "test.loop.lag", "test.loop", "test loop's lateness",
                    Tags.of("loop", "test-loop"));
            await().atMost(Duration.ofSeconds(10)).until(() -> scrape(metrics).all("test_loop_lag_seconds_count")
                    .get(0).value() >= 3);
            // Counted from here: a busy machine may have made the free loop late past the limit while warming up.
            double stallsBefore = scrape(metrics).max("test_loop_stalls_total").orElseThrow();
            CountDownLatch release = new CountDownLatch(1);
            loop.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // While blocked: the gauge climbs past the limit and the stall is counted; the histogram knows nothing yet.
            // The gauge reads the clock, the counter leaves out the process's pauses and so may come later: the scrape
            // asserted on is one that shows both.
            AtomicReference<PrometheusText> during = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                during.set(scrape(metrics));
                return during.get().max("test_loop_stall_seconds").orElse(0) >= 1.0
                        && during.get().max("test_loop_stalls_total").orElse(0) > stallsBefore;
            });
            assertThat(during.get().max("test_loop_lag_seconds_max").orElseThrow()).isLessThan(1.0);
            release.countDown();
            // Once back: the gauge drops, and the histogram's max holds the whole stall.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    scrape(metrics).max("test_loop_lag_seconds_max").orElse(0) >= 1.0);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    scrape(metrics).max("test_loop_stall_seconds").orElse(9) < 0.5);
            PrometheusText after = scrape(metrics);
            assertThat(after.type("test_loop_lag_seconds")).hasValue("histogram");
            assertThat(after.all("test_loop_lag_seconds_bucket")).anySatisfy(s -> {
                assertThat(s.label("le")).isEqualTo("0.5");
                assertThat(s.labels()).containsEntry("loop", "test-loop");
            });
        } finally {
            loop.shutdownNow();
        }
    }

    private static PrometheusText scrape(PrometheusMetrics metrics) {
        return PrometheusText.parse(metrics.scrape());
    }
}
