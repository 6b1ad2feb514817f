package dev.starvation.common.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A real Prometheus server, Debian's {@code prometheus} binary, started on a free 127.0.0.1 port with its storage in a
 * temporary directory, scraping the given targets, evaluating the given rule files and, if told, sending alerts to an
 * Alertmanager; read through its HTTP API.
 * Tests use it to prove alert rules against a live demo; the walkthrough uses it to learn when each alert's condition
 * first held. Needs {@code jackson-databind} on the class path (an optional dependency of this module).
 */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = LocalTool.HTTP;

    /**
     * A job to scrape: its name, {@code host:port} targets, and the metrics path; {@code extra} is more of the job's
     * YAML (indented as a job's keys), e.g. the parameters and relabelling of a blackbox probe.
     */
    public record Job(String name, List<String> targets, String metricsPath, String extra) {

        /** A plain job. */
        public Job(String name, List<String> targets, String metricsPath) {
            this(name, targets, metricsPath, "");
        }

        /**
         * A blackbox exporter's probes: each of {@code urls} probed with {@code module} by the exporter at
         * {@code exporter} ({@code host:port}), labelled {@code instance=<url>}, as the exporter's README configures it.
         */
        public static Job probe(String name, String exporter, String module, List<String> urls) {
            return new Job(name, urls, "/probe", "    params:\n      module: ['" + module + "']\n"
                    + "    relabel_configs:\n"
                    + "      - source_labels: [__address__]\n        target_label: __param_target\n"
                    + "      - source_labels: [__param_target]\n        target_label: instance\n"
                    + "      - target_label: __address__\n        replacement: '" + exporter + "'\n");
        }
    }

    /** One alert as {@code /api/v1/alerts} reports it. */
    public record Alert(String name, String state, Map<String, String> labels, String activeAt) {
    }

    /**
     * How it runs: how often it scrapes (the scrape timeout is the same, at most 10 s) and evaluates the rule files,
     * and where it sends alerts ({@code host:port} of an Alertmanager, or null for nowhere).
     */
    public record Settings(Duration scrape, Duration evaluation, List<Path> ruleFiles, String alertmanager) {

        /** Scrape and evaluate every {@code interval}, send alerts nowhere. */
        public static Settings every(Duration interval, List<Path> ruleFiles) {
            return new Settings(interval, interval, ruleFiles, null);
        }
    }

    private final LocalTool tool;
    private final Settings settings;

    private PrometheusServer(LocalTool tool, Settings settings) {
        this.tool = tool;
        this.settings = settings;
    }

    /** Whether the binary is installed. */
    public static boolean available() {
        return PrometheusTools.prometheus().isPresent();
    }

    /**
     * Starts Prometheus and waits until it is ready.
     *
     * @param interval   both the scrape and the rule evaluation interval
     * @param ruleFiles  rule files to load, as they are (a copy is not made)
     * @param jobs       what to scrape; an empty list is fine
     * @throws IllegalStateException if the binary is missing or it is not ready within 30 s, with its last output
     */
    public static PrometheusServer start(Duration interval, List<Path> ruleFiles, List<Job> jobs)
            throws IOException, InterruptedException {
        return start(Settings.every(interval, ruleFiles), jobs);
    }

    /** Starts Prometheus as {@code settings} say, scraping {@code jobs}, and waits until it is ready. */
    public static PrometheusServer start(Settings settings, List<Job> jobs) throws IOException, InterruptedException {
        Path binary = PrometheusTools.prometheus().orElseThrow(() -> new IllegalStateException(
                "prometheus not found: " + PrometheusTools.INSTALL_HINT));
        LocalTool tool = LocalTool.start("prometheus", binary, "prometheus.yml", config(settings, jobs), List.of(
                "--config.file={dir}/prometheus.yml",
                "--storage.tsdb.path={dir}/data",
                "--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
                "--log.level=warn"));
        return new PrometheusServer(tool, settings);
    }

    private static String config(Settings settings, List<Job> jobs) {
        Duration timeout = settings.scrape().compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
                : settings.scrape();
        StringBuilder yaml = new StringBuilder()
                .append("global:\n")
                .append("  scrape_interval: ").append(settings.scrape().toMillis()).append("ms\n")
                .append("  scrape_timeout: ").append(timeout.toMillis()).append("ms\n")
                .append("  evaluation_interval: ").append(settings.evaluation().toMillis()).append("ms\n")
                .append("rule_files:\n");
        settings.ruleFiles().forEach(f -> yaml.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        if (settings.alertmanager() != null) {
            yaml.append("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['")
                    .append(settings.alertmanager()).append("']\n");
        }
        if (!jobs.isEmpty()) {
            yaml.append("scrape_configs:\n");
        }
        for (Job job : jobs) {
            yaml.append("  - job_name: '").append(job.name()).append("'\n")
                    .append("    metrics_path: '").append(job.metricsPath()).append("'\n")
                    .append(job.extra())
                    .append("    static_configs:\n")
                    .append("      - targets: [");
            yaml.append(String.join(", ", job.targets().stream().map(t -> "'" + t + "'").toList()));
            yaml.append("]\n");
        }
        return yaml.toString();
    }

    /** Scrapes {@code jobs} from now on instead of what it scraped so far (a config reload, the server goes on). */
    public void scrape(List<Job> jobs) throws IOException, InterruptedException {
        Files.writeString(tool.dir().resolve("prometheus.yml"), config(settings, jobs));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base().resolve("/-/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("prometheus refused the new configuration: " + r.body());
        }
    }

    /** Where its API answers, e.g. {@code http://127.0.0.1:41234}. */
    public URI base() {
        return tool.base();
    }

    /** What Prometheus logged so far (warnings and errors). */
    public String log() {
        return tool.log();
    }

    /** The {@code data} of an API call such as {@code /api/v1/query?query=up}; fails on an error status. */
    public JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base().resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("prometheus answered " + r.statusCode() + " to " + pathAndQuery + ": "
                    + r.body());
        }
        return body.path("data");
    }

    /** An instant query: the {@code result} vector of {@code promql} now. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + encode(promql)).path("result");
    }

    /** A range query with a step: one series per label set, each with its {@code [time, value]} pairs. */
    public JsonNode queryRange(String promql, Instant from, Instant to, Duration step)
            throws IOException, InterruptedException {
        return api("/api/v1/query_range?query=" + encode(promql) + "&start=" + seconds(from) + "&end=" + seconds(to)
                + "&step=" + step.toMillis() / 1000.0).path("result");
    }

    /** Every alert now pending or firing. */
    public List<Alert> alerts() throws IOException, InterruptedException {
        List<Alert> alerts = new ArrayList<>();
        for (JsonNode a : api("/api/v1/alerts").path("alerts")) {
            Map<String, String> labels = new TreeMap<>();
            a.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
            alerts.add(new Alert(labels.getOrDefault("alertname", "?"), a.path("state").asText(), labels,
                    a.path("activeAt").asText()));
        }
        return alerts;
    }

    /** Each scrape target's job, health ({@code up}, {@code down}, {@code unknown}) and last error. */
    public List<String> targetHealth() throws IOException, InterruptedException {
        List<String> out = new ArrayList<>();
        for (JsonNode t : api("/api/v1/targets").path("activeTargets")) {
            out.add(t.path("labels").path("job").asText() + " " + t.path("scrapeUrl").asText() + " "
                    + t.path("health").asText() + " " + t.path("lastError").asText());
        }
        return out;
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String seconds(Instant t) {
        return String.valueOf(t.toEpochMilli() / 1000.0);
    }

    /** Stops the server and deletes its storage. */
    @Override
    public void close() throws InterruptedException {
        tool.close();
    }
}
