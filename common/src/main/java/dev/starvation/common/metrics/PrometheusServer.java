package dev.starvation.common.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starvation.common.LoopbackPorts;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A real Prometheus server, Debian's {@code prometheus} binary, started on a free 127.0.0.1 port with its storage in a
 * temporary directory, scraping the given targets and evaluating the given rule files; read through its HTTP API.
 * Tests use it to prove alert rules against a live demo; the walkthrough uses it to learn when each alert's condition
 * first held. Needs {@code jackson-databind} on the class path (an optional dependency of this module).
 */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A job to scrape: its name, {@code host:port} targets, and the metrics path. */
    public record Job(String name, List<String> targets, String metricsPath) {
    }

    /** One alert as {@code /api/v1/alerts} reports it. */
    public record Alert(String name, String state, Map<String, String> labels, String activeAt) {
    }

    private final Path dir;
    private final Process process;
    private final URI base;
    private final Duration interval;
    private final List<Path> ruleFiles;

    private PrometheusServer(Path dir, Process process, URI base, Duration interval, List<Path> ruleFiles) {
        this.dir = dir;
        this.process = process;
        this.base = base;
        this.interval = interval;
        this.ruleFiles = List.copyOf(ruleFiles);
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
        Path binary = PrometheusTools.prometheus().orElseThrow(() -> new IllegalStateException(
                "prometheus not found: " + PrometheusTools.INSTALL_HINT));
        Path dir = Files.createTempDirectory("prometheus-");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, config(interval, ruleFiles, jobs));
        int port = LoopbackPorts.free();
        Process process = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--web.enable-lifecycle",
                "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        PrometheusServer server = new PrometheusServer(dir, process, URI.create("http://127.0.0.1:" + port), interval,
                ruleFiles);
        try {
            server.awaitReady(Duration.ofSeconds(30));
        } catch (RuntimeException | IOException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static String config(Duration interval, List<Path> ruleFiles, List<Job> jobs) {
        String every = interval.toMillis() + "ms";
        StringBuilder yaml = new StringBuilder()
                .append("global:\n")
                .append("  scrape_interval: ").append(every).append('\n')
                .append("  scrape_timeout: ").append(every).append('\n')
                .append("  evaluation_interval: ").append(every).append('\n')
                .append("rule_files:\n");
        ruleFiles.forEach(f -> yaml.append("  - '").append(f.toAbsolutePath()).append("'\n"));
        if (!jobs.isEmpty()) {
            yaml.append("scrape_configs:\n");
        }
        for (Job job : jobs) {
            yaml.append("  - job_name: '").append(job.name()).append("'\n")
                    .append("    metrics_path: '").append(job.metricsPath()).append("'\n")
                    .append("    static_configs:\n")
                    .append("      - targets: [");
            yaml.append(String.join(", ", job.targets().stream().map(t -> "'" + t + "'").toList()));
            yaml.append("]\n");
        }
        return yaml.toString();
    }

    private void awaitReady(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ": " + log());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("prometheus not ready within " + limit.toSeconds() + " s: " + log());
    }

    /** Scrapes {@code jobs} from now on instead of what it scraped so far (a config reload, the server goes on). */
    public void scrape(List<Job> jobs) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("prometheus.yml"), config(interval, ruleFiles, jobs));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/-/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("prometheus refused the new configuration: " + r.body());
        }
    }

    /** Where its API answers, e.g. {@code http://127.0.0.1:41234}. */
    public URI base() {
        return base;
    }

    /** What Prometheus logged so far (warnings and errors). */
    public String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The {@code data} of an API call such as {@code /api/v1/query?query=up}; fails on an error status. */
    public JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
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
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is no reason to fail a run.
        }
    }
}
