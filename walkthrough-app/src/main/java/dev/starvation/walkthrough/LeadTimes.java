package dev.starvation.walkthrough;

import com.fasterxml.jackson.databind.JsonNode;
import dev.starvation.common.metrics.PrometheusServer;
import dev.starvation.common.metrics.PrometheusTools;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When each signal came during an act, measured from the moment the work began: the first {@code STALL} line, each
 * alert condition of {@code monitoring/alerts.yml} (pending, then firing), and the platform's act (the probe's restart
 * verdict, the member thrown out of its group). The alert conditions come from a real Prometheus that scrapes the act's
 * demo every 500 ms and evaluates the shipped rules as often, read back from its {@code ALERTS} series: the same
 * expressions as in production, not a copy of them in Java. Without the prometheus binary that column says so.
 */
final class LeadTimes implements AutoCloseable {

    /** A demo line's time; supervise echoes its server's lines behind the server's pid, {@code [4242] 10:00:00.000 …}. */
    private static final Pattern TIME = Pattern.compile("^(?:\\[\\d+\\] )?(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) ");
    private static final Path RULES = Path.of("monitoring", "alerts.yml");
    /** The production setup the last column is computed for (kube-prometheus-stack's are 30 s and 30 s). */
    private static final Duration PRODUCTION_SCRAPE = Duration.ofSeconds(15);
    private static final Duration PRODUCTION_EVALUATION = Duration.ofSeconds(30);

    private final Terminal terminal;
    private final PrometheusServer prometheus;
    private final List<String[]> rows = new ArrayList<>();

    LeadTimes(Terminal terminal, PrometheusServer prometheus) {
        this.terminal = terminal;
        this.prometheus = prometheus;
    }

    /** Starts Prometheus with the shipped rules if it is installed and the rules are where the walkthrough runs. */
    static LeadTimes start(Terminal terminal) {
        if (!PrometheusServer.available() || !Files.isRegularFile(RULES)) {
            terminal.note("No alert conditions in the lead-time table: prometheus not found ("
                    + PrometheusTools.INSTALL_HINT + ")");
            return new LeadTimes(terminal, null);
        }
        try {
            PrometheusServer server = PrometheusServer.start(MetricsScraper.EVERY, List.of(RULES.toAbsolutePath()),
                    List.of());
            terminal.note("Prometheus " + server.base() + " evaluates monitoring/alerts.yml every "
                    + MetricsScraper.EVERY.toMillis() + " ms on what it scrapes from each act's demo");
            return new LeadTimes(terminal, server);
        } catch (Exception e) {
            terminal.note("No alert conditions in the lead-time table: prometheus did not start: " + e.getMessage());
            return new LeadTimes(terminal, null);
        }
    }

    /** One act being watched: its metrics scraped by us and by Prometheus. */
    final class Act implements AutoCloseable {
        private final String name;
        private final MetricsScraper scraper;
        private final String instance;

        private Act(String name, String job, URI metrics, List<String> chartMetrics) throws Exception {
            this.name = name;
            this.instance = metrics.getHost() + ":" + metrics.getPort();
            this.scraper = new MetricsScraper(metrics, chartMetrics);
            if (prometheus != null) {
                prometheus.scrape(List.of(new PrometheusServer.Job(job, List.of(instance), metrics.getPath())));
            }
        }

        /** Waits (5 s at most) until Prometheus has scraped the demo, so the act's first seconds are seen. */
        void awaitFirstScrape() throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (prometheus != null && System.nanoTime() < deadline
                    && prometheus.query("up{instance=\"" + instance + "\"} == 1").isEmpty()) {
                Thread.sleep(100);
            }
        }

        /** The scrapes so far (for a chart). */
        List<MetricsScraper.Point> points() {
            return scraper.points();
        }

        /**
         * Ends the act and adds its row: times from the first line matching {@code workBegan} to the first
         * {@code STALL} line and to the first line matching {@code platformActed}, and from Prometheus the alerts.
         */
        void end(List<String> lines, Predicate<String> workBegan, String platform, Predicate<String> platformActed)
                throws Exception {
            scraper.close();
            Optional<Instant> start = first(lines, workBegan);
            if (start.isEmpty()) {
                rows.add(new String[] {name, "-", "-", "-", "-"});
                return;
            }
            String stall = since(start.get(), first(lines, l -> l.contains(" STALL ") && !l.contains("STALL over")));
            String acted = first(lines, platformActed).map(t -> platform + " " + since(start.get(), Optional.of(t)))
                    .orElse("-");
            String[] alerts = alerts(start.get(), instance);
            rows.add(new String[] {name, stall, alerts[0], acted, alerts[1]});
        }

        @Override
        public void close() throws Exception {
            scraper.close();
        }
    }

    /** Starts watching an act whose demo serves {@code metrics}; {@code job} labels it in Prometheus. */
    Act begin(String act, String job, URI metrics, List<String> chartMetrics) throws Exception {
        return new Act(act, job, metrics, chartMetrics);
    }

    /**
     * The alert cells of an act: when each condition held (and fired) at the demo's 0.5 s, and by when the same rule
     * fires at a production setup (a 15 s scrape, a 30 s evaluation): the condition seen up to a scrape and an
     * evaluation later, then its {@code for:}.
     */
    private String[] alerts(Instant start, String instance) throws Exception {
        if (prometheus == null) {
            return new String[] {"(no prometheus)", "-"};
        }
        // One more evaluation, so a condition that held at the very end is in.
        Thread.sleep(MetricsScraper.EVERY.toMillis() * 2);
        Map<String, Instant[]> seen = new TreeMap<>();
        JsonNode series = prometheus.queryRange("ALERTS{instance=\"" + instance + "\"}", start.minusSeconds(1), Instant.now(), MetricsScraper.EVERY);
        for (JsonNode s : series) {
            String alert = s.path("metric").path("alertname").asText();
            int state = s.path("metric").path("alertstate").asText().equals("firing") ? 1 : 0;
            for (JsonNode value : s.path("values")) {
                Instant at = Instant.ofEpochMilli((long) (value.get(0).asDouble() * 1000));
                Instant[] times = seen.computeIfAbsent(alert, a -> new Instant[2]);
                if (!at.isBefore(start) && (times[state] == null || at.isBefore(times[state]))) {
                    times[state] = at;
                }
            }
        }
        Map<String, Double> forSeconds = forSeconds();
        List<String> cells = new ArrayList<>();
        List<String> production = new ArrayList<>();
        seen.forEach((alert, times) -> {
            Instant held = times[0] != null ? times[0] : times[1];
            if (held != null) {
                cells.add(alert + " " + since(start, Optional.of(held))
                        + (times[1] != null ? " (fired " + since(start, Optional.of(times[1])) + ")" : ""));
                production.add(since(start, Optional.of(held.plus(PRODUCTION_SCRAPE).plus(PRODUCTION_EVALUATION)
                        .plusMillis((long) (forSeconds.getOrDefault(alert, 0.0) * 1000)))));
            }
        });
        return cells.isEmpty() ? new String[] {"none", "-"}
                : new String[] {String.join("\n", cells), String.join("\n", production)};
    }

    /** Each alert's {@code for:} in seconds, as Prometheus loaded the rules. */
    private Map<String, Double> forSeconds() throws Exception {
        Map<String, Double> durations = new TreeMap<>();
        for (JsonNode group : prometheus.api("/api/v1/rules?type=alert").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                durations.merge(rule.path("name").asText(), rule.path("duration").asDouble(), Math::max);
            }
        }
        return durations;
    }

    private static Optional<Instant> first(List<String> lines, Predicate<String> match) {
        for (String line : lines) {
            Matcher m = TIME.matcher(line);
            if (m.find() && match.test(line)) {
                return Optional.of(LocalTime.parse(m.group(1)).atDate(LocalDate.now()).atZone(ZoneId.systemDefault())
                        .toInstant());
            }
        }
        return Optional.empty();
    }

    private static String since(Instant start, Optional<Instant> at) {
        return at.map(t -> String.format("+%.1f s", Duration.between(start, t).toMillis() / 1000.0)).orElse("-");
    }

    /** The table of every act so far; an act with several alerts takes a line for each. */
    String table() {
        String[] header = {"act", "first STALL", "alert condition held (fired)", "the platform acted",
            "at 15 s / 30 s fires by"};
        List<String[]> lines = new ArrayList<>();
        lines.add(header);
        for (String[] row : rows) {
            String[] alerts = row[2].split("\n");
            String[] production = row[4].split("\n");
            for (int i = 0; i < alerts.length; i++) {
                String late = i < production.length ? production[i] : "";
                lines.add(i == 0 ? new String[] {row[0], row[1], alerts[0], row[3], late}
                        : new String[] {"", "", alerts[i], "", late});
            }
        }
        int[] widths = new int[header.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder sb = new StringBuilder("Lead time of each signal, from the moment the slow work began"
                + " (the REQUEST on the loop, the first BATCH); the last column: the same rule at a 15 s scrape and a"
                + " 30 s evaluation, at the latest (at Kubernetes' defaults the kubelet restarts a pod 21-31 s into a"
                + " stall, and a consumer leaves its group 300 s after its last poll)\n");
        for (int r = 0; r < lines.size(); r++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < header.length; i++) {
                line.append(String.format("%-" + widths[i] + "s", lines.get(r)[i])).append("  ");
            }
            sb.append(line.toString().stripTrailing()).append('\n');
            if (r == 0) {
                sb.append("-".repeat(java.util.Arrays.stream(widths).sum() + 2 * (widths.length - 1))).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws InterruptedException {
        if (prometheus != null) {
            prometheus.close();
        }
    }
}
