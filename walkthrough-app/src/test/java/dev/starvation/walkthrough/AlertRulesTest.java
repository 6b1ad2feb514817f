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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** monitoring/alerts.yml is checked and unit-tested by Prometheus's own promtool; the dashboard's queries too. */
class AlertRulesTest {

    private static final Path MONITORING = Path.of("..", "monitoring").toAbsolutePath().normalize();

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Promtool.assumeInstalled();
        Promtool.Result result = Promtool.run(MONITORING, null, "check", "rules", "alerts.yml");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    void promtoolUnitTestsOfTheRulesPass() throws Exception {
        Promtool.assumeInstalled();
        Promtool.Result result = Promtool.run(MONITORING, null, "test", "rules", "alerts.test.yml");
        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyAlertIsUnitTestedFiringAndNotFiring() throws IOException {
        // Each promtool case names an alert and the alerts it expects: none (not firing) or some (firing).
        Set<String> firing = new TreeSet<>();
        Set<String> notFiring = new TreeSet<>();
        try (Reader in = Files.newBufferedReader(MONITORING.resolve("alerts.test.yml"))) {
            Map<String, Object> file = new Yaml().load(in);
            for (Map<String, Object> test : (List<Map<String, Object>>) file.get("tests")) {
                for (Map<String, Object> check : (List<Map<String, Object>>) test.get("alert_rule_test")) {
                    List<Object> expected = (List<Object>) check.get("exp_alerts");
                    String alert = String.valueOf(check.get("alertname"));
                    (expected == null || expected.isEmpty() ? notFiring : firing).add(alert);
                }
            }
        }
        List<String> alerts = alertNames();
        assertThat(firing).as("alerts with a case that expects them to fire").containsAll(alerts);
        assertThat(notFiring).as("alerts with a case that expects them silent").containsAll(alerts);
        assertThat(Files.readString(MONITORING.resolve("alerts.test.yml")))
                .as("every test says which real run its series came from").contains("recorded from");
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
        assertThat(alertNames()).contains("EventLoopStalled", "WorkerPoolSaturated", "ConsumerPollGapPastHalfInterval",
                "ConsumerRebalancing", "ConsumerRebalanceFailed", "RecordStuckPastDeadline");
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
                rules.append("      - record: dashboard:query").append(++n).append("\n        expr: '")
                        .append(target.path("expr").asText().replace("'", "''")).append("'\n");
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(10);
        Files.writeString(dir.resolve("dashboard-queries.yml"), rules);
        Promtool.Result result = Promtool.run(dir, null, "check", "rules", "dashboard-queries.yml");
        assertThat(result.exit()).as(result.output()).isZero();
    }

    private static List<String> alertNames() throws IOException {
        return rules().stream().map(r -> String.valueOf(r.get("alert"))).toList();
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
