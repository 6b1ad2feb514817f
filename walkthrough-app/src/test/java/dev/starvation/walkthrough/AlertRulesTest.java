package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starvation.common.metrics.Promtool;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * monitoring/alerts.yml is checked and unit-tested by Prometheus's own promtool at the two production setups (a 15 s
 * scrape with a 30 s evaluation, a 30 s scrape with a 1 m evaluation); the dashboard's queries too.
 */
class AlertRulesTest {

    private static final Path MONITORING = Path.of("..", "monitoring").toAbsolutePath().normalize();
    /** The unit-test files: one per scrape and evaluation interval. */
    private static final List<String> TEST_FILES = List.of("alerts.test.yml", "alerts.test-30s.yml");
    private static final Pattern WINDOW = Pattern.compile("\\[(\\d+)([smh])]");

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Promtool.assumeInstalled();
        Promtool.Result result = Promtool.run(MONITORING, null, "check", "rules", "alerts.yml");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void promtoolUnitTestsOfTheRulesPassAtBothProductionIntervals() throws Exception {
        Promtool.assumeInstalled();
        for (String file : TEST_FILES) {
            Promtool.Result result = Promtool.run(MONITORING, null, "test", "rules", file);
            assertThat(result.exit()).as(file + ": " + result.output()).isZero();
            assertThat(result.output()).contains("SUCCESS");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertIsUnitTestedFiringAndNotFiringAtBothIntervals() throws IOException {
        for (String file : TEST_FILES) {
            // Each promtool case names an alert and the alerts it expects: none (not firing) or some (firing).
            Set<String> firing = new TreeSet<>();
            Set<String> notFiring = new TreeSet<>();
            try (Reader in = Files.newBufferedReader(MONITORING.resolve(file))) {
                Map<String, Object> tests = new Yaml().load(in);
                for (Map<String, Object> test : (List<Map<String, Object>>) tests.get("tests")) {
                    for (Map<String, Object> check : (List<Map<String, Object>>) test.get("alert_rule_test")) {
                        List<Object> expected = (List<Object>) check.get("exp_alerts");
                        String alert = String.valueOf(check.get("alertname"));
                        (expected == null || expected.isEmpty() ? notFiring : firing).add(alert);
                    }
                }
            }
            List<String> alerts = alertNames();
            assertThat(firing).as("%s: alerts with a case that expects them to fire", file).containsAll(alerts);
            assertThat(notFiring).as("%s: alerts with a case that expects them silent", file).containsAll(alerts);
            assertThat(Files.readString(MONITORING.resolve(file)))
                    .as("%s says where its series come from", file).contains("recorded run");
        }
        assertThat(Files.readString(MONITORING.resolve(TEST_FILES.get(0)))).contains("interval: 15s")
                .contains("evaluation_interval: 30s");
        assertThat(Files.readString(MONITORING.resolve(TEST_FILES.get(1)))).contains("interval: 30s")
                .contains("evaluation_interval: 1m");
    }

    /**
     * What makes a rule hold at a 30 s scrape and a 1 m evaluation: every range at least 4 scrapes (2 m), every
     * {@code for:} at least one evaluation (1 m); a shorter one fires late or never, as the 1 s rules did.
     */
    @Test
    void everyWindowSpansFourScrapesAndEveryForOneEvaluationAtThirtySecondsAndOneMinute() throws IOException {
        for (Map<String, Object> rule : rules()) {
            String name = String.valueOf(rule.get("alert"));
            assertThat(seconds(String.valueOf(rule.get("for")))).as("%s for:", name).isGreaterThanOrEqualTo(60);
            Matcher m = WINDOW.matcher(String.valueOf(rule.get("expr")));
            while (m.find()) {
                assertThat(seconds(m.group(1) + m.group(2))).as("%s window %s", name, m.group()).isGreaterThanOrEqualTo(120);
            }
            @SuppressWarnings("unchecked")
            Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
            assertThat(annotations.get("runbook")).as("%s runbook", name).startsWith("docs/monitoring.md#");
            assertThat(Files.readString(MONITORING.resolveSibling("docs").resolve("monitoring.md")))
                    .as("%s has a section in docs/monitoring.md", name).contains("### " + name);
        }
    }

    private static long seconds(String duration) {
        long n = Long.parseLong(duration.substring(0, duration.length() - 1));
        return switch (duration.charAt(duration.length() - 1)) {
            case 's' -> n;
            case 'm' -> n * 60;
            case 'h' -> n * 3600;
            default -> throw new IllegalArgumentException("not a duration: " + duration);
        };
    }

    @Test
    void everyAlertHasAForASeverityAndADescriptionThatSaysWhatToDo() throws IOException {
        List<Map<String, Object>> rules = rules();
        assertThat(rules).hasSizeGreaterThanOrEqualTo(6);
        for (Map<String, Object> rule : rules) {
            String name = String.valueOf(rule.get("alert"));
            assertThat(rule).as(name).containsKey("for");
            @SuppressWarnings("unchecked")
            Map<String, Object> labels = (Map<String, Object>) rule.get("labels");
            assertThat(labels).as(name).containsKey("severity");
            assertThat(String.valueOf(labels.get("severity"))).as(name).isIn("warning", "critical");
            @SuppressWarnings("unchecked")
            Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
            assertThat(annotations).as(name).containsKeys("summary", "description");
            // What to do: a description that only restates the condition does not help at 3 a.m.
            assertThat(annotations.get("description")).as(name).hasSizeGreaterThan(150);
        }
        assertThat(alertNames()).contains("EventLoopStalled", "EventLoopTickLate", "ScrapeThroughTheLoopFailing",
                "HealthProbeFailing", "HealthProbeSlow", "WorkerPoolSaturated", "ConsumerPollGapPastHalfInterval",
                "ConsumerPollLoopBusy", "ConsumerRebalancing", "ConsumerRebalanceFailed", "RecordStuckPastDeadline",
                "ConsumerGroupLagGrowing", "ConsumerGroupStalled", "AlertInputMissing");
    }

    @Test
    void everyDashboardQueryIsValidPromQl(@TempDir Path dir) throws Exception {
        Promtool.assumeInstalled();
        JsonNode dashboard = new ObjectMapper().readTree(
                MONITORING.resolve("grafana/dashboards/starvation.json").toFile());
        // promtool has no query checker, but it parses every expression of a rule file: make each query a rule.
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                // Grafana's variables, as Grafana would put them in: any job and instance, a rate window.
                String expr = target.path("expr").asText().replace("$__rate_interval", "1m").replace("$job", ".*")
                        .replace("$instance", ".*");
                rules.append("      - record: dashboard:query").append(++n).append("\n        expr: '")
                        .append(expr.replace("'", "''")).append("'\n");
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(10);
        Files.writeString(dir.resolve("dashboard-queries.yml"), rules);
        Promtool.Result result = Promtool.run(dir, null, "check", "rules", "dashboard-queries.yml");
        assertThat(result.exit()).as(result.output()).isZero();
    }

    /**
     * The dashboard imports into any Grafana: its data source is a variable, not the compose file's uid; it can be
     * narrowed to a job and an instance; every range follows the scrape interval ({@code $__rate_interval}).
     */
    @Test
    void theDashboardImportsAnywhereAndEveryRangeFollowsTheScrapeInterval() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(
                MONITORING.resolve("grafana/dashboards/starvation.json").toFile());
        List<String> variables = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
        assertThat(variables).contains("datasource", "job", "instance");
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertThat(panel.path("datasource").path("uid").asText()).as(title).isEqualTo("${datasource}");
            for (JsonNode target : panel.path("targets")) {
                Matcher m = WINDOW.matcher(target.path("expr").asText());
                assertThat(m.find()).as("%s: %s has a fixed range", title, target.path("expr").asText()).isFalse();
            }
        }
        String all = dashboard.toString();
        assertThat(all).contains("$__rate_interval").contains("max_over_time(event_loop_stall_seconds")
                .contains("probe_duration_seconds").contains("kafka_consumergroup_lag");
    }

    private static List<String> alertNames() throws IOException {
        return rules().stream().map(r -> String.valueOf(r.get("alert"))).distinct().toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> rules() throws IOException {
        try (Reader in = Files.newBufferedReader(MONITORING.resolve("alerts.yml"))) {
            Map<String, Object> file = new Yaml().load(in);
            List<Map<String, Object>> all = new ArrayList<>();
            for (Map<String, Object> group : (List<Map<String, Object>>) file.get("groups")) {
                all.addAll((List<Map<String, Object>>) group.get("rules"));
            }
            return all;
        }
    }
}
