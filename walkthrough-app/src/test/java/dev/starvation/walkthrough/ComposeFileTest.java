package dev.starvation.walkthrough;

import static dev.starvation.walkthrough.DeploymentFiles.COMPOSE;
import static dev.starvation.walkthrough.DeploymentFiles.ROOT;
import static dev.starvation.walkthrough.DeploymentFiles.jarArguments;
import static dev.starvation.walkthrough.DeploymentFiles.optionValue;
import static dev.starvation.walkthrough.DeploymentFiles.services;
import static dev.starvation.walkthrough.DeploymentFiles.strings;
import static dev.starvation.walkthrough.DeploymentFiles.supervisedCommand;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starvation.common.Durations;
import dev.starvation.http.HttpDemo;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * docker-compose.yml as a real engine runs it and as both Compose versions read it: http-server is "unhealthy" while
 * the blocking request runs and before its supervisor restarts it, the supervised server is the image's own jar, and
 * the file keeps to what Compose 1.29 accepts.
 */
class ComposeFileTest {

    /** Slack on every timing rule: a busy machine's late {@code docker exec} of a check, a probe thread run late. */
    private static final Duration MARGIN = Duration.ofSeconds(3);

    /** What docker-compose 1.29.2 accepts, from its compose/config/compose_spec.json; Compose v2 accepts more. */
    private static final Set<String> V1_TOP_LEVEL = Set.of("version", "services", "networks", "volumes", "secrets",
            "configs");
    private static final Set<String> V1_SERVICE = Set.of("blkio_config", "build", "cap_add", "cap_drop",
            "cgroup_parent", "command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period",
            "cpu_quota", "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec",
            "depends_on", "deploy", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname",
            "entrypoint", "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "group_add",
            "healthcheck", "hostname", "image", "init", "ipc", "isolation", "labels", "links", "logging", "mac_address",
            "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "network_mode", "networks",
            "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "privileged", "profiles",
            "pull_policy", "read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size",
            "stdin_open", "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits",
            "user", "userns_mode", "volumes", "volumes_from", "working_dir");
    private static final Set<String> V1_BUILD = Set.of("context", "dockerfile", "args", "labels", "cache_from",
            "network", "target", "shm_size", "extra_hosts", "isolation");
    /** No {@code start_interval} (Docker 25): 1.29 refuses it. */
    private static final Set<String> V1_HEALTHCHECK = Set.of("test", "interval", "timeout", "retries", "start_period",
            "disable");
    /** A depends_on entry has only a condition in 1.29 ({@code required} and {@code restart} came with v2). */
    private static final Set<String> V1_CONDITIONS = Set.of("service_started", "service_healthy",
            "service_completed_successfully");

    /**
     * The numbers the story needs, read from the file: Docker's healthcheck of http-server, the liveness probe of the
     * supervise that runs it, and how long the blocking request sleeps.
     */
    record StoryTiming(Duration interval, Duration timeout, int retries, Duration period, Duration probeTimeout,
                       int threshold, Duration grace, Duration startupTimeout, Duration request) {

        /**
         * Docker starts a check {@code interval} after the previous one ended: a stall that begins as a passing check
         * ends is "unhealthy" once {@code retries} checks have each waited the interval and timed out.
         */
        Duration unhealthyAtTheLatest() {
            return interval.plus(timeout).multipliedBy(retries);
        }

        /** supervise probes on a ticker: the first failing probe may start with the stall. */
        Duration verdictAtTheEarliest() {
            return period.multipliedBy(threshold - 1).plus(probeTimeout);
        }

        /** ... or a period later; then SIGTERM, and SIGKILL after the grace. */
        Duration killedAtTheLatest() {
            return period.multipliedBy(threshold).plus(probeTimeout).plus(grace);
        }

        /** What would keep a real engine from telling the story in order, each with margin; empty if nothing. */
        List<String> problems() {
            List<String> problems = new ArrayList<>();
            if (unhealthyAtTheLatest().plus(MARGIN).compareTo(request) > 0) {
                problems.add("the request (" + request.toSeconds() + " s) may end before the container is unhealthy"
                        + " (retries x (interval + timeout) = " + unhealthyAtTheLatest().toMillis() + " ms)");
            }
            if (unhealthyAtTheLatest().plus(MARGIN).compareTo(verdictAtTheEarliest()) > 0) {
                problems.add("supervise may restart the server (from " + verdictAtTheEarliest().toMillis() + " ms)"
                        + " before Docker says unhealthy (within " + unhealthyAtTheLatest().toMillis() + " ms)");
            }
            if (killedAtTheLatest().plus(MARGIN).compareTo(request) > 0) {
                problems.add("the request (" + request.toSeconds() + " s) may be answered before supervise kills the"
                        + " server (by " + killedAtTheLatest().toMillis() + " ms): nothing lost, no restart");
            }
            // The retry may reach a new server before its first answer (a cold JVM on a busy machine): it then blocks
            // the startup probe, and the restart comes when the startup timeout passes.
            if (startupTimeout.plus(grace).plus(MARGIN).compareTo(request) > 0) {
                problems.add("a retry that reaches the new server before its first answer may be answered before the"
                        + " startup timeout (" + startupTimeout.toSeconds() + " s) restarts it: the request is "
                        + request.toSeconds() + " s");
            }
            return problems;
        }
    }

    @Test
    void httpServerIsUnhealthyWhileTheRequestBlocksAndBeforeItsSupervisorRestartsIt() throws IOException {
        Map<String, Map<String, Object>> services = DeploymentFiles.composeServices();
        StoryTiming timing = storyTiming(services);

        assertThat(timing.problems()).as("%s", timing).isEmpty();
        // What a real engine showed with the file before: checks every 2 s, a 7 s request, never unhealthy in time.
        StoryTiming before = new StoryTiming(Duration.ofSeconds(2), Duration.ofSeconds(1), 3, timing.period(),
                timing.probeTimeout(), timing.threshold(), timing.grace(), timing.startupTimeout(),
                Duration.ofSeconds(7));
        assertThat(before.problems()).anyMatch(p -> p.contains("may end before the container is unhealthy"));
    }

    @Test
    void dockerfileBuildStageCopiesEveryModulesPomSoMavenCanReadTheReactor() throws IOException {
        // Maven reads every <module> of the root pom, built or not: one missing pom fails `docker-compose build`
        // (vthreads-demo's did, on a real engine).
        String rootPom = Files.readString(ROOT.resolve("pom.xml"));
        String modules = rootPom.substring(rootPom.indexOf("<modules>"), rootPom.indexOf("</modules>"));
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        String build = dockerfile.substring(0, dockerfile.indexOf("\nFROM ", dockerfile.indexOf(" AS build")));
        List<String> missing = new ArrayList<>();
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(modules);
        while (module.find()) {
            String name = module.group(1);
            Pattern copy = Pattern.compile("(?m)^COPY " + Pattern.quote(name) + "(/pom\\.xml)? ");
            if (!copy.matcher(build).find()) {
                missing.add(name);
            }
        }
        assertThat(missing).as("modules whose pom the Dockerfile's build stage does not copy").isEmpty();
    }

    @Test
    void theOffloadedRequestIsTheSameRequestOnTheWorkerPool() throws IOException {
        Map<String, Map<String, Object>> services = DeploymentFiles.composeServices();
        List<String> bug = strings(services.get("load").get("command"));
        List<String> fix = strings(services.get("load-fixed").get("command"));
        URI bugUrl = URI.create(optionValue(bug, "--url"));
        URI fixUrl = URI.create(optionValue(fix, "--url"));

        assertThat(bugUrl.getPath()).isEqualTo("/processing");
        assertThat(fixUrl.getPath()).isEqualTo("/processing_fixed");
        assertThat(fixUrl.getQuery()).isEqualTo(bugUrl.getQuery());
        assertThat(fix.stream().map(a -> a.replace(fixUrl.toString(), "URL")).toList())
                .isEqualTo(bug.stream().map(a -> a.replace(bugUrl.toString(), "URL")).toList());
        // Not part of `up`: sent once the crash loop is over, with `docker-compose run --rm load-fixed`.
        assertThat(strings(services.get("load-fixed").get("profiles"))).isNotEmpty();
        assertThat(services.get("load")).doesNotContainKey("profiles");
    }

    @Test
    void httpServerRunsUnderSuperviseWhichRunsTheImagesJarAsItsChildAndProbesIt() throws IOException {
        Map<String, Object> service = DeploymentFiles.composeServices().get("http-server");
        List<String> command = strings(service.get("command"));
        CommandLine.ParseResult supervise = parse(command).subcommand();
        assertThat(supervise.commandSpec().name()).isEqualTo("supervise");

        List<String> child = supervisedCommand(command);
        List<String> entrypoint = entrypointOf("http-demo");
        String jar = entrypoint.get(entrypoint.size() - 1);
        assertThat(child.subList(child.indexOf("-jar"), child.indexOf("-jar") + 2)).containsExactly("-jar", jar);
        assertThat(entrypoint).as("the image runs its jar, so the command names one of its subcommands")
                .containsExactly("java", "-jar", jar);
        CommandLine.ParseResult server = parse(jarArguments(child)).subcommand();
        assertThat(server.commandSpec().name()).isEqualTo("server");

        // The probe asks the child's /health from inside the container; the server listens beyond it, for the others.
        String port = String.valueOf(server.matchedOptionValue("--port", -1));
        assertThat(String.valueOf(supervise.<Object>matchedOptionValue("--url", null)))
                .isEqualTo("http://127.0.0.1:" + port + "/health");
        assertThat(server.<String>matchedOptionValue("--host", null)).isEqualTo("0.0.0.0");
        // A cold JVM is not restarted for being slow: the startup probe waits for its first answer.
        assertThat(supervise.<Duration>matchedOptionValue("--startup-timeout", Duration.ZERO))
                .isGreaterThanOrEqualTo(Duration.ofSeconds(30));
        // Docker kills a check at its timeout; what the check had started would be left to PID 1, which reaps only
        // its own child: seen as one zombie head and grep per timed-out check. So no pipe, no command substitution.
        @SuppressWarnings("unchecked")
        List<String> test = strings(((Map<String, Object>) service.get("healthcheck")).get("test"));
        assertThat(test).hasSize(4).startsWith("CMD", "bash", "-c");
        assertThat(test.get(3)).doesNotContain("|").doesNotContain("$(").doesNotContain("`");
    }

    @Test
    void composeFileKeepsToWhatCompose129AcceptsAndNamesTheProjectInDotEnv() throws IOException {
        Map<String, Object> compose = DeploymentFiles.yaml(COMPOSE);
        assertThat(compose1Problems(compose)).isEmpty();
        assertThat(Files.readAllLines(ROOT.resolve(".env"))).contains("COMPOSE_PROJECT_NAME=starvation-reproducer");

        // The rules judge: what 1.29 refused on a real run, and the keys Compose v2 added, are found.
        Map<String, Object> newer = new LinkedHashMap<>(compose);
        newer.put("name", "starvation-reproducer");
        Map<String, Object> server = new LinkedHashMap<>(services(compose).get("http-server"));
        @SuppressWarnings("unchecked")
        Map<String, Object> check = new LinkedHashMap<>((Map<String, Object>) server.get("healthcheck"));
        check.put("start_interval", "1s");
        server.put("healthcheck", check);
        server.put("develop", Map.of());
        Map<String, Object> newerServices = new LinkedHashMap<>(services(compose));
        newerServices.put("http-server", server);
        newer.put("services", newerServices);
        assertThat(compose1Problems(newer)).containsExactlyInAnyOrder(
                "top-level 'name' (Compose 1.29 knows version, services, networks, volumes, secrets, configs, x-*)",
                "http-server: 'develop'", "http-server: healthcheck 'start_interval'");
    }

    /**
     * Compose itself, where this machine has it (CI has neither binary, and needs no Docker): {@code config -q} must
     * pass, and 1.29 must refuse the same file with a top-level {@code name:}, or it was not 1.29 that judged.
     */
    @Test
    void composeOnThisMachineAcceptsTheFile(@TempDir Path dir) throws Exception {
        Map<List<String>, String> found = new LinkedHashMap<>();
        for (List<String> compose : List.of(List.of("docker-compose"), List.of("docker", "compose"))) {
            run(concat(compose, "version", "--short"), ROOT).filter(r -> r.exit() == 0)
                    .ifPresent(r -> found.put(compose, r.output().strip()));
        }
        Assumptions.assumeFalse(found.isEmpty(), "neither docker-compose nor docker compose on this machine: skipped");
        for (Map.Entry<List<String>, String> compose : found.entrySet()) {
            Run accepted = run(concat(compose.getKey(), "-f", COMPOSE.toString(), "config", "-q"), ROOT).orElseThrow();
            assertThat(accepted.exit()).as("%s %s: %s", compose.getKey(), compose.getValue(), accepted.output())
                    .isZero();
            if (compose.getValue().startsWith("1.")) {
                Path named = dir.resolve("docker-compose.yml");
                Files.writeString(named, "name: starvation-reproducer\n" + Files.readString(COMPOSE));
                Run refused = run(concat(compose.getKey(), "-f", named.toString(), "config", "-q"), dir).orElseThrow();
                assertThat(refused.exit()).isNotZero();
                assertThat(refused.output()).contains("'name' does not match any of the regexes");
            }
        }
    }

    /** The healthcheck, the supervisor and the load's request, as the file has them. */
    @SuppressWarnings("unchecked")
    private static StoryTiming storyTiming(Map<String, Map<String, Object>> services) {
        Map<String, Object> server = services.get("http-server");
        Map<String, Object> check = (Map<String, Object>) server.get("healthcheck");
        CommandLine.ParseResult supervise = parse(strings(server.get("command"))).subcommand();
        for (String option : List.of("--period", "--timeout", "--failure-threshold", "--grace", "--startup-timeout")) {
            assertThat(supervise.hasMatchedOption(option)).as("supervise sets %s in the file", option).isTrue();
        }
        URI request = URI.create(optionValue(strings(services.get("load").get("command")), "--url"));
        Matcher seconds = Pattern.compile("(?:^|&)seconds=(\\d+(?:\\.\\d+)?)(?:&|$)").matcher(request.getQuery());
        assertThat(seconds.find()).as("seconds= in %s", request).isTrue();
        return new StoryTiming(Durations.parse((String) check.get("interval")),
                Durations.parse((String) check.get("timeout")), (Integer) check.get("retries"),
                supervise.matchedOptionValue("--period", null), supervise.matchedOptionValue("--timeout", null),
                supervise.matchedOptionValue("--failure-threshold", 0), supervise.matchedOptionValue("--grace", null),
                supervise.matchedOptionValue("--startup-timeout", null), Duration.ofMillis(Math.round(Double.parseDouble(seconds.group(1)) * 1000)));
    }

    /** What Compose 1.29's schema would refuse, one line each. */
    @SuppressWarnings("unchecked")
    private static List<String> compose1Problems(Map<String, Object> compose) {
        List<String> problems = new ArrayList<>();
        compose.keySet().stream().filter(k -> !V1_TOP_LEVEL.contains(k) && !k.startsWith("x-"))
                .forEach(k -> problems.add("top-level '" + k + "' (Compose 1.29 knows " + String.join(", ",
                        List.of("version", "services", "networks", "volumes", "secrets", "configs")) + ", x-*)"));
        services(compose).forEach((name, service) -> {
            unknown(service.keySet(), V1_SERVICE).forEach(k -> problems.add(name + ": '" + k + "'"));
            if (service.get("build") instanceof Map<?, ?> build) {
                unknown((Set<String>) build.keySet(), V1_BUILD).forEach(k -> problems.add(name + ": build '" + k + "'"));
            }
            if (service.get("healthcheck") instanceof Map<?, ?> check) {
                unknown((Set<String>) check.keySet(), V1_HEALTHCHECK)
                        .forEach(k -> problems.add(name + ": healthcheck '" + k + "'"));
            }
            if (service.get("depends_on") instanceof Map<?, ?> dependsOn) {
                ((Map<String, Map<String, Object>>) dependsOn).forEach((on, entry) -> {
                    if (!entry.keySet().equals(Set.of("condition")) || !V1_CONDITIONS.contains(entry.get("condition"))) {
                        problems.add(name + ": depends_on " + on + " " + entry + " (1.29: a condition only, one of "
                                + V1_CONDITIONS + ")");
                    }
                });
            }
        });
        return problems;
    }

    private static Stream<String> unknown(Set<String> keys, Set<String> known) {
        return keys.stream().filter(k -> !known.contains(k) && !k.startsWith("x-"));
    }

    /** The ENTRYPOINT of a Dockerfile target, as its JSON array. */
    private static List<String> entrypointOf(String target) throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher stage = Pattern.compile("(?ms)^FROM \\S+ AS " + Pattern.quote(target) + "$(.*?)(?=^FROM |\\z)")
                .matcher(dockerfile);
        assertThat(stage.find()).as("Dockerfile target %s", target).isTrue();
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(stage.group(1));
        assertThat(entrypoint.find()).as("ENTRYPOINT of target %s", target).isTrue();
        return strings(new ObjectMapper().readValue(entrypoint.group(1), List.class));
    }

    private static CommandLine.ParseResult parse(List<String> args) {
        return DeploymentFiles.parse(new HttpDemo(), args);
    }

    private static List<String> concat(List<String> head, String... tail) {
        return Stream.concat(head.stream(), Stream.of(tail)).toList();
    }

    /** A command's exit code and its output, stdout and stderr together. */
    private record Run(int exit, String output) {
    }

    /** Runs a command for at most a minute; empty if it cannot be started (not installed). */
    private static Optional<Run> run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path output = Files.createTempFile("compose-", ".out");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            } catch (IOException notInstalled) {
                return Optional.empty();
            }
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " still running after 60 s");
            }
            return Optional.of(new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8)));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
