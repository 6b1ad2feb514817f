package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.metrics.AlertmanagerServer;
import dev.starvation.common.metrics.BlackboxExporter;
import dev.starvation.common.metrics.PrometheusServer;
import dev.starvation.common.metrics.PrometheusTools;
import dev.starvation.http.probe.HttpGetOnce;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The shipped rules at a production scrape interval, end to end: a real Prometheus scraping every 15 s, the blackbox
 * exporter probing /health as the kubelet does, and Alertmanager posting to a webhook. A stall on the server's default
 * setup is delivered (grouped, with its runbook), then resolved; the offloaded server, scraped and probed the same way
 * at the same time, fires and delivers nothing.
 *
 * <p>It mostly waits (three scrape intervals, a minute of {@code for:}, the 2 m window draining), so it runs beside the
 * module's other test classes ({@link ExecutionMode#CONCURRENT}); its servers are child processes, whose log lines
 * cannot reach another test's log capture. About 2.5 minutes.
 */
@Execution(ExecutionMode.CONCURRENT)
class AlertDeliveryTest {

    private static final Path RULES = Path.of("..", "monitoring", "alerts.yml").toAbsolutePath().normalize();
    private static final Duration SCRAPE = Duration.ofSeconds(15);
    /**
     * Evaluated as often as scraped: the 30 s of production would add up to 30 s to the firing and to the resolving,
     * past this test's 3 minutes. promtool's tests (alerts.test.yml) cover 30 s and 1 m.
     */
    private static final Duration EVALUATION = Duration.ofSeconds(15);
    /** Long enough that one 15 s scrape lands inside it past the rule's 1 s, short of a default kubelet's restart. */
    private static final int STALL_SECONDS = 18;
    /** A JVM's start while the module's other tests keep the cores busy. */
    private static final Duration STARTUP = Duration.ofSeconds(60);

    @Test
    void aStallOnTheDefaultSetupIsDeliveredThenResolvedAndTheOffloadedServerDeliversNothing() throws Exception {
        Assumptions.assumeTrue(PrometheusServer.available(),
                "prometheus not found, test skipped: " + PrometheusTools.INSTALL_HINT);
        Assumptions.assumeTrue(AlertmanagerServer.available() && BlackboxExporter.available(),
                "alertmanager or blackbox exporter not found, test skipped: " + PrometheusTools.ALERTING_HINT);
        Instant begun = Instant.now();
        String bugMetrics = "127.0.0.1:" + LoopbackPorts.free();
        String fixMetrics = "127.0.0.1:" + LoopbackPorts.free();
        try (AlertWebhook webhook = AlertWebhook.start();
             AlertmanagerServer alertmanager = AlertmanagerServer.start(webhook.url(), Duration.ofSeconds(1),
                     Duration.ofSeconds(5));
             BlackboxExporter blackbox = BlackboxExporter.start(Duration.ofSeconds(1));
             // No option but the ports: the default setup serves /metrics from a loop of its own.
             ServerProcess bug = ServerProcess.start(STARTUP, "--metrics-port", port(bugMetrics));
             ServerProcess fix = ServerProcess.start(STARTUP, "--metrics-port", port(fixMetrics))) {
            warmUp(bug, fix, bugMetrics, fixMetrics);
            try (PrometheusServer prometheus = PrometheusServer.start(
                    new PrometheusServer.Settings(SCRAPE, EVALUATION, List.of(RULES), alertmanager.address()),
                    jobs(blackbox, bug, fix, bugMetrics, fixMetrics))) {
                watch(prometheus, webhook, bug, fix, bugMetrics, fixMetrics, begun);
            }
        }
    }

    private static void watch(PrometheusServer prometheus, AlertWebhook webhook, ServerProcess bug, ServerProcess fix,
            String bugMetrics, String fixMetrics, Instant begun) throws Exception {
        // Prometheus scrapes a new target first at an offset of its own within the interval: a stall begun before
        // that first scrape could end before any scrape saw it (a busy CI run missed it so). Begun just after it,
        // the 18 s stall holds the next scrape, 15 s later.
        await("the first scrape of the stalled server's metrics").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> !prometheus.query("up{instance=\"" + bugMetrics + "\"} == 1").isEmpty());
        Instant start = Instant.now();
        System.out.printf("DELIVERY servers, exporter, Alertmanager and Prometheus ready, first scrape done, in %d s%n",
                Duration.between(begun, start).toSeconds());
        Requests stall = new Requests().fire(bug.base().resolve("/processing?seconds=" + STALL_SECONDS), 1);
        Requests offloaded = new Requests().fire(fix.base().resolve("/processing_fixed?seconds=" + STALL_SECONDS), 1);

        // For 1 m after a scrape saw the stall: within 1 s + 15 s + 15 s + 60 s, plus Alertmanager's group wait.
        await("EventLoopStalled delivered").atMost(Duration.ofSeconds(130)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !webhook.of("EventLoopStalled", "firing").isEmpty());
        Duration delivered = Duration.between(start, Instant.now());
        JsonNode firing = webhook.of("EventLoopStalled", "firing").get(0);
        assertThat(firing.path("groupLabels").path("job").asText()).as("grouped by alertname and job")
                .isEqualTo("http-demo");
        assertThat(firing.path("alerts")).hasSize(1);
        JsonNode alert = firing.path("alerts").get(0);
        assertThat(alert.path("labels").path("instance").asText()).isEqualTo(bugMetrics);
        assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
        assertThat(alert.path("annotations").path("runbook").asText())
                .isEqualTo("docs/monitoring.md#eventloopstalled");
        assertThat(alert.path("annotations").path("description").asText()).contains("STALL line");
        assertThat(stall.answers()).extracting(Requests.Answer::status).containsOnly(200);
        assertThat(offloaded.answers()).extracting(Requests.Answer::status).containsOnly(200);

        // The 2 m window drains 2 m after the last scrape that saw the stall, then one evaluation and a group
        // interval.
        await("EventLoopStalled resolved").atMost(Duration.ofSeconds(170).minus(Duration.between(start,
                        Instant.now()))).pollInterval(Duration.ofSeconds(1))
                .until(() -> !webhook.of("EventLoopStalled", "resolved").isEmpty());
        assertThat(webhook.of("EventLoopStalled", "resolved").get(0).path("alerts").get(0).path("labels")
                .path("instance").asText()).isEqualTo(bugMetrics);
        System.out.printf("DELIVERY EventLoopStalled firing +%d s, resolved +%d s after an %d s stall began;"
                + " notifications: %s%n", delivered.toSeconds(), Duration.between(start, Instant.now()).toSeconds(),
                STALL_SECONDS, webhook.notifications().stream().map(n -> n.path("groupLabels").path("alertname")
                        .asText() + "/" + n.path("status").asText()).toList());

        // The offloaded server was watched the same way: scraped, probed, and never a candidate for an alert.
        assertThat(prometheus.query("up{instance=\"" + fixMetrics + "\"} == 1")).hasSize(1);
        assertThat(prometheus.query("probe_success{instance=\"" + fix.base().resolve("/health") + "\"} == 1"))
                .hasSize(1);
        assertThat(prometheus.queryRange("ALERTS{alertstate=\"firing\", instance=~\".*:(" + port(fixMetrics) + "|"
                + fix.base().getPort() + ")(/.*)?\"}", start, Instant.now(), SCRAPE))
                .as("the offloaded server's alerts that fired").isEmpty();
        assertThat(webhook.notifications().toString()).as("nothing delivered about the offloaded server")
                .doesNotContain(fixMetrics).doesNotContain("127.0.0.1:" + fix.base().getPort());
    }

    /**
     * A cold JVM loads the HTTP and metrics classes on the event loop during its first requests, a stall of its own
     * (over 1 s on a busy machine) that a startup probe covers in production: the servers answer each path once
     * before Prometheus starts watching.
     */
    private static void warmUp(ServerProcess bug, ServerProcess fix, String bugMetrics, String fixMetrics) {
        for (ServerProcess server : List.of(bug, fix)) {
            for (String path : List.of("/health", "/processing_fixed?seconds=0", "/metrics", "/health")) {
                HttpGetOnce.get(server.base().resolve(path), Duration.ofSeconds(30));
            }
        }
        for (String metrics : List.of(bugMetrics, fixMetrics)) {
            HttpGetOnce.get(URI.create("http://" + metrics + "/metrics"), Duration.ofSeconds(30));
        }
    }

    private static List<PrometheusServer.Job> jobs(BlackboxExporter blackbox, ServerProcess bug, ServerProcess fix,
            String bugMetrics, String fixMetrics) {
        List<PrometheusServer.Job> jobs = new ArrayList<>();
        jobs.add(new PrometheusServer.Job("http-demo", List.of(bugMetrics, fixMetrics), "/metrics"));
        // The same registry through the server's own loop: only up and scrape_* are kept, so nothing is counted twice.
        jobs.add(new PrometheusServer.Job("http-demo-through-the-loop", List.of(authority(bug.base()),
                authority(fix.base())), "/metrics", "    metric_relabel_configs:\n"
                + "      - source_labels: [__name__]\n        regex: '.+'\n        action: drop\n"));
        jobs.add(PrometheusServer.Job.probe("blackbox-http", blackbox.address(), BlackboxExporter.MODULE,
                List.of(bug.base().resolve("/health").toString(), fix.base().resolve("/health").toString())));
        return jobs;
    }

    private static String authority(URI base) {
        return base.getAuthority();
    }

    private static String port(String hostPort) {
        return hostPort.substring(hostPort.indexOf(':') + 1);
    }
}
