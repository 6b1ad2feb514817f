package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.metrics.PrometheusServer;
import dev.starvation.common.metrics.PrometheusTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The shipped alert rules, loaded by a real Prometheus that scrapes a real server on 127.0.0.1: EventLoopStalled fires
 * during a stall and resolves after it. The rules are used as they are, not a copy with shorter durations: their
 * {@code for: 2s} on a stall over 1 s fires about 3 s into a stall, plus up to 2 s for a scrape and an evaluation at the
 * 1 s interval this test configures, so a 10 s stall leaves room on a busy machine.
 */
class PrometheusAlertTest {

    private static final Path RULES = Path.of("..", "monitoring", "alerts.yml").toAbsolutePath().normalize();

    @Test
    void eventLoopStalledFiresDuringAStallAndResolvesAfterIt() throws Exception {
        Assumptions.assumeTrue(PrometheusServer.available(),
                "prometheus not found, test skipped: " + PrometheusTools.INSTALL_HINT);
        try (InProcessServer server = InProcessServer.start("--event-loops", "1", "--metrics-port", "0");
             PrometheusServer prometheus = PrometheusServer.start(Duration.ofSeconds(1), List.of(RULES),
                     List.of(new PrometheusServer.Job("http-demo",
                             List.of("127.0.0.1:" + server.server().metricsPort()), "/metrics")))) {
            await("the first scrape").atMost(Duration.ofSeconds(30)).until(() ->
                    prometheus.query("up{job=\"http-demo\"} == 1").size() == 1);
            assertThat(firing(prometheus)).as("no alert before the stall").isEmpty();

            Requests stall = new Requests().fire(server.url("/processing?seconds=10"), 1);
            await("EventLoopStalled firing").atMost(Duration.ofSeconds(9)).pollInterval(Duration.ofMillis(250))
                    .until(() -> firing(prometheus).isPresent());
            PrometheusServer.Alert alert = firing(prometheus).orElseThrow();
            assertThat(alert.labels()).containsEntry("severity", "critical").containsEntry("job", "http-demo")
                    .hasEntrySatisfying("loop", loop -> assertThat(loop).startsWith("event-loop-"));
            assertThat(server.log()).as("it fired during the stall: the request is still running")
                    .doesNotContain("STALL over");

            assertThat(stall.answers()).extracting(Requests.Answer::status).containsOnly(200);
            await("EventLoopStalled resolved").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                    .until(() -> prometheus.alerts().stream().noneMatch(a -> a.name().equals("EventLoopStalled")));
        }
    }

    private static Optional<PrometheusServer.Alert> firing(PrometheusServer prometheus) throws Exception {
        return prometheus.alerts().stream()
                .filter(a -> a.name().equals("EventLoopStalled") && a.state().equals("firing")).findFirst();
    }
}
