package dev.starvation.walkthrough;

import static dev.starvation.walkthrough.DeploymentFiles.optionValue;
import static dev.starvation.walkthrough.DeploymentFiles.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.starvation.common.Durations;
import dev.starvation.http.HttpDemo;
import dev.starvation.http.metrics.MetricsConfig;
import dev.starvation.http.metrics.ServerMetrics;
import dev.starvation.kafka.KafkaDemo;
import dev.starvation.kafka.ops.ConsumerMetrics;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.starvation.kafka.KafkaVersion;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/** docker-compose.yml and k8s/ are read as YAML and their commands parsed by the demos' own command lines. */
class DeploymentFilesMatchTheCliTest {

    private static final Path ROOT = DeploymentFiles.ROOT;

    @Test
    void everyComposeCommandNamesASubcommandAndOptionsTheJarAccepts() throws IOException {
        Map<String, Map<String, Object>> services = composeServices();
        List<String> checked = new ArrayList<>();
        services.forEach((name, service) -> {
            if (!service.containsKey("command") || !isDemo(service)) {
                return;
            }
            List<String> args = strings(service.get("command"));
            CommandLine.ParseResult parsed = parse(demoOf(name, service), args);
            assertThat(parsed.hasSubcommand()).as("%s names a subcommand: %s", name, args).isTrue();
            checked.add(name);
        });
        assertThat(checked).contains("http-server", "probe", "load", "producer", "consumer-naive", "consumer-offload");
    }

    @Test
    void composeBrokerIsTheKafkaVersionOfTheClients() throws IOException {
        String image = (String) composeServices().get("kafka").get("image");
        assertThat(image).isEqualTo("apache/kafka:" + KafkaVersion.get());
    }

    @Test
    void composeServerHealthcheckHasLivenessSemanticsOnTheServersPort() throws IOException {
        Map<String, Object> server = composeServices().get("http-server");
        @SuppressWarnings("unchecked")
        Map<String, Object> check = (Map<String, Object>) server.get("healthcheck");
        // Its timing against the load and the supervisor: ComposeFileTest.
        assertThat(check).containsEntry("retries", 3).containsKeys("interval", "timeout");

        String test = String.join(" ", strings(check.get("test")));
        // Under supervise, the port of the server it runs.
        String port = optionValue(DeploymentFiles.servingCommand(strings(server.get("command"))), "--port");
        assertThat(test).contains("/dev/tcp/127.0.0.1/" + port).contains("GET /health ").contains("Connection: close");
        assertThat(strings(server.get("ports"))).containsExactly("127.0.0.1:" + port + ":" + port);
    }

    @Test
    void everythingThatTalksToKafkaWaitsForAHealthyBroker() throws IOException {
        composeServices().forEach((name, service) -> {
            if (String.join(" ", strings(service.getOrDefault("command", List.of()))).contains("kafka:9092")) {
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> dependsOn = (Map<String, Map<String, Object>>) service.get("depends_on");
                assertThat(dependsOn).as(name).containsKey("kafka");
                assertThat(dependsOn.get("kafka")).as(name).containsEntry("condition", "service_healthy");
            }
        });
    }

    @Test
    void composeBuildsEveryImageFromATargetOfTheDockerfileThatRunsAsANonRootUser() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        List<String> targets = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^FROM \\S+ AS (\\S+)$").matcher(dockerfile);
        while (m.find()) {
            targets.add(m.group(1));
        }
        List<String> built = new ArrayList<>();
        composeServices().forEach((name, service) -> {
            if (service.get("build") instanceof Map<?, ?> build) {
                assertThat(build.get("context")).as(name).isEqualTo(".");
                assertThat(targets).as(name).contains((String) build.get("target"));
                built.add((String) build.get("target"));
            }
        });
        assertThat(built).contains("http-demo", "kafka-demo");
        assertThat(dockerfile).containsPattern("(?m)^USER 10001:10001$");
    }

    @Test
    void kubernetesRunsTheServerWithTheStorysLivenessProbe() throws IOException {
        Map<String, Object> deployment = k8sDocument("Deployment");
        Map<String, Object> container = first(list(map(map(map(deployment, "spec"), "template"), "spec"), "containers"));
        List<String> args = strings(container.get("args"));
        assertThat(parse(new HttpDemo(), args).subcommand().commandSpec().name()).isEqualTo("server");

        Map<String, Object> probe = map(container, "livenessProbe");
        assertThat(probe).containsEntry("periodSeconds", 10).containsEntry("timeoutSeconds", 1)
                .containsEntry("failureThreshold", 3);
        assertThat(map(probe, "httpGet")).containsEntry("path", "/health").containsEntry("port", "http");

        Map<String, Object> port = first(list(container, "ports"));
        assertThat(port).containsEntry("name", "http");
        assertThat(String.valueOf(port.get("containerPort"))).isEqualTo(optionValue(args, "--port"));
        assertThat(optionValue(args, "--host")).as("listens beyond the pod's loopback").isEqualTo("0.0.0.0");

        Map<String, Object> service = k8sDocument("Service");
        assertThat(map(service, "spec").get("selector")).isEqualTo(map(map(deployment, "spec"), "selector").get("matchLabels"));
    }

    @Test
    void kubernetesScrapesTheMetricsPortThatAnswersDuringAStall() throws IOException {
        Map<String, Object> container = httpContainer();
        CommandLine.ParseResult sub = parse(new HttpDemo(), strings(container.get("args"))).subcommand();
        String metricsPort = metricsPortsOf(sub).get(metricsPortsOf(sub).size() - 1);
        assertThat(list(container, "ports")).anySatisfy(p -> assertThat(p).containsEntry("name", "metrics")
                .containsEntry("containerPort", Integer.parseInt(metricsPort)));
        Map<String, Object> annotations = map(map(map(map(k8sDocument("Deployment"), "spec"), "template"), "metadata"),
                "annotations");
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", metricsPort).containsEntry("prometheus.io/path", ServerMetrics.PATH);
        try (Reader in = Files.newBufferedReader(ROOT.resolve("k8s/monitoring.yaml"))) {
            List<String> kinds = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(in)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> m = (Map<String, Object>) doc;
                kinds.add(String.valueOf(m.get("kind")));
                if ("PodMonitor".equals(m.get("kind"))) {
                    assertThat(first(list(map(m, "spec"), "podMetricsEndpoints"))).containsEntry("port", "metrics")
                            .containsEntry("path", ServerMetrics.PATH);
                }
            }
            assertThat(kinds).contains("PodMonitor", "Probe");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPrometheusTargetIsAComposeServiceThatOpensThatPortAndServesThatPath() throws IOException {
        Map<String, Map<String, Object>> services = composeServices();
        List<String> checked = new ArrayList<>();
        for (Map<String, Object> job : scrapeJobs()) {
            String path = String.valueOf(job.getOrDefault("metrics_path", "/metrics"));
            boolean probe = job.containsKey("params");
            for (String target : scrapeTargets(job)) {
                // A probe job's targets are the URLs the blackbox exporter probes; the others are host:port.
                URI url = URI.create(probe ? target : "http://" + target + path);
                String host = url.getHost();
                String port = String.valueOf(url.getPort());
                assertThat(services).as("scrape target %s is a compose service", target).containsKey(host);
                Map<String, Object> service = services.get(host);
                if (!isDemo(service)) {
                    assertThat(String.valueOf(service.get("image"))).as(host).startsWith("danielqsj/kafka-exporter:");
                    checked.add(job.get("job_name") + " " + target);
                    continue;
                }
                List<String> args = DeploymentFiles.servingCommand(strings(service.get("command")));
                CommandLine.ParseResult sub = parse(demoOf(host, service), args).subcommand();
                assertThat(metricsPortsOf(sub)).as("%s opens %s: %s", host, port, args).contains(port);
                assertThat(probe ? "/health" : metricsPathOf(sub)).as("%s serves %s", host, url.getPath())
                        .isEqualTo(url.getPath());
                checked.add(job.get("job_name") + " " + target);
            }
            if (probe) {
                String exporter = String.valueOf(((List<Map<String, Object>>) job.get("relabel_configs")).stream()
                        .filter(r -> "__address__".equals(r.get("target_label"))).findFirst().orElseThrow()
                        .get("replacement"));
                assertThat(services).as("the blackbox exporter %s is a compose service", exporter)
                        .containsKey(exporter.substring(0, exporter.indexOf(':')));
            }
        }
        assertThat(checked).anyMatch(c -> c.startsWith("http-demo ")).anyMatch(c -> c.startsWith("kafka-demo "))
                .anyMatch(c -> c.startsWith("blackbox-http ")).anyMatch(c -> c.startsWith("kafka-exporter "));
    }

    /** One job per registry: the job that reaches /metrics through the server's loop keeps none of its samples. */
    @Test
    void theThroughTheLoopJobKeepsOnlyUpAndScrapeDurationSoNothingIsCountedTwice() throws IOException {
        Map<String, Object> job = scrapeJobs().stream()
                .filter(j -> String.valueOf(j.get("job_name")).contains("through-the-loop")).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> relabel = (List<Map<String, Object>>) job.get("metric_relabel_configs");
        assertThat(relabel).anySatisfy(r -> assertThat(r).containsEntry("action", "drop").containsEntry("regex", ".+"));
    }

    @Test
    void composePrometheusLoadsTheTestedRulesAndGrafanaTheDashboardKeptInTheRepository() throws IOException {
        Map<String, Map<String, Object>> services = composeServices();
        List<String> prometheusMounts = strings(services.get("prometheus").get("volumes"));
        assertThat(prometheusMounts).contains("./monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro",
                "./monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
        Map<String, Object> config = yaml(ROOT.resolve("monitoring/prometheus.yml"));
        assertThat(strings(config.get("rule_files"))).containsExactly("/etc/prometheus/alerts.yml");
        assertThat(config.get("alerting").toString()).contains("alertmanager:9093");
        assertThat(strings(services.get("alertmanager").get("volumes")))
                .contains("./monitoring/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro");
        assertThat(strings(services.get("blackbox").get("volumes")))
                .contains("./monitoring/blackbox.yml:/etc/blackbox_exporter/blackbox.yml:ro");

        List<String> grafanaMounts = strings(services.get("grafana").get("volumes"));
        assertThat(grafanaMounts).contains("./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro",
                "./monitoring/grafana/dashboards:/var/lib/grafana/dashboards:ro");
        Map<String, Object> provider = first(list(yaml(ROOT.resolve(
                "monitoring/grafana/provisioning/dashboards/starvation.yml")), "providers"));
        assertThat(map(provider, "options")).containsEntry("path", "/var/lib/grafana/dashboards");
        assertThat(ROOT.resolve("monitoring/grafana/dashboards/starvation.json")).isRegularFile();
        Map<String, Object> datasource = first(list(yaml(ROOT.resolve(
                "monitoring/grafana/provisioning/datasources/prometheus.yml")), "datasources"));
        assertThat(datasource).containsEntry("url", "http://prometheus:9090").containsEntry("uid", "prometheus");
    }

    /**
     * Against the Compose Specification's JSON schema (compose-spec's {@code schema/compose-spec.json}), which the
     * project does not ship: give its path as {@code -Dcompose.schema=FILE}. Debian's docker-compose 1.29 cannot be
     * the judge: it rejects the top-level {@code name:} that the specification allows.
     */
    @Test
    void composeFileIsValidAgainstTheComposeSpecification() throws IOException {
        String schemaPath = System.getProperty("compose.schema", System.getenv("COMPOSE_SPEC_SCHEMA"));
        Assumptions.assumeTrue(schemaPath != null && Files.isRegularFile(Path.of(schemaPath)),
                "no Compose Specification schema given, test skipped: run with -Dcompose.schema=FILE, FILE being"
                        + " schema/compose-spec.json of github.com/compose-spec/compose-spec");
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                .getSchema(SchemaLocation.of(Path.of(schemaPath).toUri().toString()), Files.readString(Path.of(schemaPath)),
                        InputFormat.JSON);
        Map<String, Object> compose = yaml(ROOT.resolve("docker-compose.yml"));
        ObjectMapper json = new ObjectMapper();
        List<Error> problems = schema.validate(json.writeValueAsString(compose), InputFormat.JSON);
        assertThat(problems).as("docker-compose.yml against %s", schemaPath).isEmpty();
        // The schema really judges: the same file with a key the specification does not know is refused.
        map(composeServicesOf(compose), "kafka").put("no-such-key", true);
        assertThat(schema.validate(json.writeValueAsString(compose), InputFormat.JSON)).isNotEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> composeServicesOf(Map<String, Object> compose) {
        return (Map<String, Object>) compose.get("services");
    }

    private static boolean isDemo(Map<String, Object> service) {
        return service.get("build") instanceof Map<?, ?>
                || String.valueOf(service.get("image")).startsWith("starvation-reproducer/");
    }

    /** The ports a demo's command serves metrics on. */
    private static List<String> metricsPortsOf(CommandLine.ParseResult sub) {
        List<String> ports = new ArrayList<>();
        for (String option : List.of("--port", "--metrics-port", "--admin-port")) {
            if (sub.hasMatchedOption(option)) {
                ports.add(String.valueOf(sub.matchedOptionValue(option, -1)));
            }
        }
        if (sub.commandSpec().name().equals("server") && !sub.hasMatchedOption("--metrics-port")
                && !sub.hasMatchedOption("--no-metrics")) {
            ports.add(String.valueOf(MetricsConfig.DEFAULT_PORT));
        }
        return ports;
    }

    /** Where the demo serves its metrics, from its own code. */
    private static String metricsPathOf(CommandLine.ParseResult sub) {
        return switch (sub.commandSpec().name()) {
            case "server" -> ServerMetrics.PATH;
            case "consume" -> ConsumerMetrics.PATH;
            default -> throw new AssertionError("scraping a command that serves no metrics: " + sub.commandSpec().name());
        };
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> scrapeJobs() throws IOException {
        return (List<Map<String, Object>>) yaml(ROOT.resolve("monitoring/prometheus.yml")).get("scrape_configs");
    }

    @SuppressWarnings("unchecked")
    private static List<String> scrapeTargets(Map<String, Object> job) {
        List<String> targets = new ArrayList<>();
        for (Map<String, Object> config : (List<Map<String, Object>>) job.get("static_configs")) {
            targets.addAll(strings(config.get("targets")));
        }
        return targets;
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        return DeploymentFiles.yaml(file);
    }

    @Test
    void kubernetesAsksLivenessOfTheLoopReadinessOfThePoolAndWaitsForTheStart() throws IOException {
        Map<String, Object> container = httpContainer();
        Map<String, Object> liveness = map(container, "livenessProbe");
        Map<String, Object> readiness = map(container, "readinessProbe");
        Map<String, Object> startup = map(container, "startupProbe");
        assertThat(map(liveness, "httpGet")).containsEntry("path", "/health").containsEntry("port", "http");
        assertThat(map(readiness, "httpGet")).containsEntry("path", "/ready").containsEntry("port", "http");
        assertThat(map(startup, "httpGet")).containsEntry("path", "/health").containsEntry("port", "http");
        // Readiness waits out a burst that fills the pool for a moment (3 failures, issue 14), so an endpoint does not
        // flap; liveness keeps the story's three failures.
        assertThat(readiness).containsEntry("failureThreshold", 3);
        assertThat((Integer) readiness.get("periodSeconds")).isLessThan((Integer) liveness.get("periodSeconds"));
        // The start gets at least 20 s before liveness counts, far more than the JVM needs.
        assertThat((Integer) startup.get("periodSeconds") * (Integer) startup.get("failureThreshold"))
                .isGreaterThanOrEqualTo(20);
    }

    @Test
    void kubernetesCpuLimitMatchesTheWorkers() throws IOException {
        Map<String, Object> container = httpContainer();
        Map<String, Object> resources = map(container, "resources");
        String limit = String.valueOf(map(resources, "limits").get("cpu"));
        assertThat(map(resources, "requests").get("cpu")).as("requests = limits: the workers are sized to it")
                .hasToString(limit);
        int workers = Integer.parseInt(optionValue(strings(container.get("args")), "--workers"));
        assertThat((double) workers).as("--workers against a CPU limit of %s", limit).isEqualTo(cores(limit));
    }

    @Test
    void kubernetesDrainsBeforeTheListenerClosesAndGivesInFlightWorkItsGrace() throws IOException {
        Map<String, Object> container = httpContainer();
        List<String> preStop = strings(map(map(map(container, "lifecycle"), "preStop"), "exec").get("command"));
        assertThat(preStop).hasSize(2).first().isEqualTo("sleep");
        int drainSeconds = Integer.parseInt(preStop.get(1));
        assertThat(drainSeconds).as("long enough for endpoints to be removed").isGreaterThanOrEqualTo(5);

        long graceSeconds = Durations.parse(optionValue(strings(container.get("args")), "--grace")).toSeconds();
        Map<String, Object> podSpec = map(map(map(k8sDocument("Deployment"), "spec"), "template"), "spec");
        // The kubelet's SIGKILL comes this long after the preStop began: drain, then the server's grace, then its exit.
        assertThat((Integer) podSpec.get("terminationGracePeriodSeconds"))
                .isGreaterThanOrEqualTo((int) (drainSeconds + graceSeconds + 5));
    }

    /**
     * The vthreads-demo's manifest: the story's liveness probe, and as many carriers and platform workers as the CPU
     * limit. Its arguments are parsed by the server's own command line in vthreads-demo's tests (Java 21 classes, which
     * this Java 17 module cannot load).
     */
    @Test
    void kubernetesGivesTheVirtualThreadServerAsManyCarriersAndWorkersAsItsCpuLimit() throws IOException {
        Map<String, Object> deployment = k8sDocument("k8s/vthreads-demo.yaml", "Deployment");
        Map<String, Object> container = first(list(map(map(map(deployment, "spec"), "template"), "spec"),
                "containers"));
        Map<String, Object> liveness = map(container, "livenessProbe");
        assertThat(liveness).containsEntry("periodSeconds", 10).containsEntry("timeoutSeconds", 1)
                .containsEntry("failureThreshold", 3);
        assertThat(map(liveness, "httpGet")).containsEntry("path", "/health").containsEntry("port", "http");
        assertThat(map(map(container, "readinessProbe"), "httpGet")).containsEntry("path", "/ready");
        Map<String, Object> startup = map(container, "startupProbe");
        assertThat((Integer) startup.get("periodSeconds") * (Integer) startup.get("failureThreshold"))
                .isGreaterThanOrEqualTo(20);

        Map<String, Object> resources = map(container, "resources");
        String limit = String.valueOf(map(resources, "limits").get("cpu"));
        assertThat(map(resources, "requests").get("cpu")).hasToString(limit);
        String javaOptions = list(container, "env").stream().filter(e -> "JDK_JAVA_OPTIONS".equals(e.get("name")))
                .map(e -> String.valueOf(e.get("value"))).findFirst().orElseThrow();
        Matcher carriers = Pattern.compile("-Djdk\\.virtualThreadScheduler\\.parallelism=(\\d+)").matcher(javaOptions);
        assertThat(carriers.find()).as("the carriers set explicitly in %s", javaOptions).isTrue();
        assertThat(Double.parseDouble(carriers.group(1))).as("carriers against a CPU limit of %s", limit)
                .isEqualTo(cores(limit));
        int workers = Integer.parseInt(optionValue(strings(container.get("args")), "--cpu-workers"));
        assertThat((double) workers).as("--cpu-workers against a CPU limit of %s", limit).isEqualTo(cores(limit));
        String port = optionValue(strings(container.get("args")), "--port");
        assertThat(String.valueOf(first(list(container, "ports")).get("containerPort"))).isEqualTo(port);
    }

    /** Cores in a Kubernetes CPU quantity: "2", "1.5" or "1500m". */
    private static double cores(String quantity) {
        return quantity.endsWith("m") ? Double.parseDouble(quantity.substring(0, quantity.length() - 1)) / 1000
                : Double.parseDouble(quantity);
    }

    private static Map<String, Object> httpContainer() throws IOException {
        Map<String, Object> deployment = k8sDocument("Deployment");
        return first(list(map(map(map(deployment, "spec"), "template"), "spec"), "containers"));
    }

    private static Object demoOf(String name, Map<String, Object> service) {
        Object build = service.get("build");
        String what = build instanceof Map<?, ?> b ? String.valueOf(b.get("target")) : String.valueOf(service.get("image"));
        if (what.contains("http-demo")) {
            return new HttpDemo();
        }
        if (what.contains("kafka-demo")) {
            return new KafkaDemo();
        }
        throw new AssertionError("service " + name + " runs neither demo: " + what);
    }

    private static Map<String, Map<String, Object>> composeServices() throws IOException {
        return DeploymentFiles.composeServices();
    }

    private static Map<String, Object> k8sDocument(String kind) throws IOException {
        return k8sDocument("k8s/http-demo.yaml", kind);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> k8sDocument(String file, String kind) throws IOException {
        try (Reader in = Files.newBufferedReader(ROOT.resolve(file))) {
            for (Object doc : new Yaml().loadAll(in)) {
                if (doc instanceof Map<?, ?> m && kind.equals(m.get("kind"))) {
                    return (Map<String, Object>) m;
                }
            }
        }
        throw new AssertionError(file + " has no " + kind);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (List<Map<String, Object>>) parent.get(key);
    }

    private static Map<String, Object> first(List<Map<String, Object>> items) {
        assertThat(items).isNotEmpty();
        return items.get(0);
    }

    private static List<String> strings(Object value) {
        return DeploymentFiles.strings(value);
    }
}
