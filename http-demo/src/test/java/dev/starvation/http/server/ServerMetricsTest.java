package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.metrics.PrometheusText;
import dev.starvation.common.metrics.Promtool;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** GET /metrics: Prometheus text that promtool accepts, and the numbers a dashboard shows during a stall. */
class ServerMetricsTest {

    static PrometheusText scrape(URI url) throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build());
        assertThat(answer.status()).as("GET %s", url).isEqualTo(200);
        return PrometheusText.parse(answer.body() + "\n");
    }

    static URI metricsPort(InProcessServer server) {
        return URI.create("http://127.0.0.1:" + server.server().metricsPort() + "/metrics");
    }

    @Test
    void metricsParseAsPrometheusTextWithEveryFamilyTheDashboardUses() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "2", "--metrics-port", "0")) {
            Requests.get(HttpRequest.newBuilder(server.url("/no-such-path")).build());
            Requests.get(HttpRequest.newBuilder(server.url("/processing?seconds=soon")).build());
            PrometheusText text = scrape(server.url("/metrics"));

            assertThat(text.type("event_loop_lag_seconds")).hasValue("histogram");
            assertThat(text.all("event_loop_lag_seconds_count")).as("one lag histogram per loop").hasSize(2)
                    .allSatisfy(s -> assertThat(s.label("loop")).startsWith("event-loop-"));
            assertThat(text.all("event_loop_stalls_total")).hasSize(2);
            assertThat(text.all("event_loop_stall_seconds")).hasSize(2);
            for (String family : List.of("worker_pool_active_threads", "worker_pool_max_threads",
                    "worker_pool_queued_requests", "worker_pool_queue_capacity_requests", "worker_pool_rejected_total",
                    "worker_pool_completed_total", "worker_pool_oldest_request_age_seconds", "worker_pool_past_deadline_total",
                    "worker_pool_request_deadline_seconds", "jvm_memory_used_bytes",
                    "jvm_gc_memory_allocated_bytes_total", "process_cpu_usage")) {
                assertThat(text.all(family)).as(family).isNotEmpty();
            }
            assertThat(text.all("http_server_requests_seconds_count")).extracting(
                    s -> s.label("route") + " " + s.label("status"))
                    .contains("/health 200", "other 404", "/processing 400");
            // The same registry on the port of its own.
            assertThat(scrape(metricsPort(server)).all("event_loop_lag_seconds_count")).hasSize(2);
        }
    }

    @Test
    void promtoolFindsNoProblemInARealScrape() throws Exception {
        Promtool.assumeInstalled();
        try (InProcessServer server = InProcessServer.start("--event-loops", "1")) {
            Requests.get(HttpRequest.newBuilder(server.url("/processing_fixed?seconds=0.1")).build());
            Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/metrics")).build());
            Promtool.Result lint = Promtool.checkMetrics(answer.body() + "\n");
            assertThat(lint.output()).as("promtool check metrics").isBlank();
            assertThat(lint.exit()).isZero();
        }
    }

    @Test
    void lagHistogramsMaxGrowsPastTheStallDuringProcessing() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "1", "--metrics-port", "0")) {
            // Counted from here: a busy machine may make the free loop late, even past the limit, while the server
            // warms up.
            PrometheusText before = scrape(metricsPort(server));
            double stallsBefore = before.max("event_loop_stalls_total").orElseThrow();
            double overASecondBefore = lagsOver(before, "1.0");
            Requests blocking = new Requests().fire(server.url("/processing?seconds=2"), 1);
            // During the stall: the metrics port still answers, and its gauge says how long the loop has been blocked.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    scrape(metricsPort(server)).max("event_loop_stall_seconds").orElse(0) >= 1.0);
            // The gauge reads the clock; the counter leaves out ticks the whole process was late, so it may come after
            // the gauge: wait for it, then it stays.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    scrape(metricsPort(server)).max("event_loop_stalls_total").orElse(0) > stallsBefore);
            assertThat(blocking.answers()).extracting(Requests.Answer::status).containsOnly(200);
            // Once the loop is back: the histogram has the whole stall (one more lag past 1 s than before it: a busy
            // machine's warm-up may have put some there already, and the max with them), and the gauge is down again.
            AtomicReference<PrometheusText> after = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                after.set(scrape(metricsPort(server)));
                return lagsOver(after.get(), "1.0") > overASecondBefore;
            });
            assertThat(after.get().max("event_loop_lag_seconds_max").orElseThrow()).isGreaterThanOrEqualTo(1.5);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    scrape(metricsPort(server)).max("event_loop_stall_seconds").orElse(9) < 0.5);
        }
    }

    /** How many lags the histogram holds past {@code le} seconds (one of its bucket bounds, e.g. "1.0"). */
    private static double lagsOver(PrometheusText text, String le) {
        double within = text.all("event_loop_lag_seconds_bucket").stream()
                .filter(s -> le.equals(s.label("le"))).findFirst().orElseThrow().value();
        return text.max("event_loop_lag_seconds_count").orElseThrow() - within;
    }

    @Test
    void lagHistogramsMaxStaysLowDuringProcessingFixed() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "1", "--metrics-port", "0",
                "--workers", "2", "--queue", "0")) {
            // Counted from here: a busy machine may make the free loop late, even past the limit, while the server
            // warms up. 2 s of work on the loop would put a lag past 1 s in the histogram for each request; a loop
            // that only hands work over may still be late a few hundred ms on a very busy machine (stalls_total,
            // at its 200 ms limit, is the scheduler's to decide there).
            PrometheusText before = scrape(metricsPort(server));
            double slowTicksBefore = lagsOver(before, "1.0");
            Requests offloaded = new Requests().fire(server.url("/processing_fixed?seconds=2"), 3);
            AtomicReference<PrometheusText> busy = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                busy.set(scrape(metricsPort(server)));
                return busy.get().max("worker_pool_oldest_request_age_seconds").orElse(0) >= 1.0;
            });
            assertThat(busy.get().max("worker_pool_active_threads")).hasValue(2.0);
            assertThat(busy.get().max("worker_pool_rejected_total")).hasValue(1.0);
            assertThat(busy.get().max("event_loop_stall_seconds").orElseThrow()).isLessThan(1.0);
            assertThat(offloaded.answers()).extracting(Requests.Answer::status).containsOnly(200, 503);

            PrometheusText after = scrape(metricsPort(server));
            assertThat(lagsOver(after, "1.0")).as("lags over 1 s while the work ran").isEqualTo(slowTicksBefore);
            assertThat(after.max("worker_pool_completed_total")).hasValue(2.0);
            assertThat(after.all("http_server_requests_seconds_count")).extracting(
                    s -> s.label("route") + " " + s.label("status") + " " + s.value())
                    .contains("/processing_fixed 200 2.0", "/processing_fixed 503 1.0");
        }
    }

    @Test
    void noMetricsTurnsTheEndpointOff() throws Exception {
        try (InProcessServer server = InProcessServer.start("--no-metrics")) {
            Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/metrics")).build());
            assertThat(answer.status()).isEqualTo(404);
            assertThat(server.server().metricsPort()).isEqualTo(-1);
        }
    }
}
