package dev.starvation.http.supervise;

import dev.starvation.common.LoopbackPorts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.Cli;
import dev.starvation.common.LogCapture;
import dev.starvation.common.SummaryLine;
import dev.starvation.http.HttpDemo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The seed's story, for real: the http-demo server supervised, a request that blocks its loop, the restart that loses
 * it, and a client that retries and so makes the server restart again.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SupervisedServerTest {

    /**
     * A startup probe: liveness counts once a new server answered, however long its JVM took to start (seconds on a
     * busy machine), yet less than the blocking request, which may reach a new server before its first answer.
     */
    private static final String STARTUP_TIMEOUT = "15s";

    static List<String> serverCommand(int port, String... serverArgs) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                HttpDemo.class.getName(), "server", "--port", String.valueOf(port), "--event-loops", "1"));
        if (!List.of(serverArgs).contains("--metrics-port")) {
            // Not the default 9464: a restarted server must not wait for its predecessor's port, nor meet another test's.
            command.addAll(List.of("--metrics-port", "0"));
        }
        command.addAll(List.of(serverArgs));
        return command;
    }

    /** The supervise options of these tests, then {@code --} and the server command with {@code serverArgs}. */
    static String[] supervise(int port, String... serverArgs) {
        return supervise(port, Map.of(), serverCommand(port, serverArgs));
    }

    /** The same with some options' values changed, e.g. {@code --period}. */
    static String[] supervise(int port, Map<String, String> changed, List<String> command) {
        List<String> args = new ArrayList<>(List.of("--url", "http://127.0.0.1:" + port + "/health", "--period", "250ms",
                "--timeout", "500ms", "--failure-threshold", "3", "--startup-timeout", STARTUP_TIMEOUT, "--grace",
                "500ms", "--backoff", "200ms", "--duration", "120s"));
        changed.forEach((option, value) -> args.set(args.indexOf(option) + 1, value));
        args.add("--");
        args.addAll(command);
        return args.toArray(String[]::new);
    }

    /** How many lines starting with {@code word} come after the {@code n}th line starting with {@code mark}. */
    static long after(List<String> lines, String mark, int n, String word) {
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(mark) && ++seen == n) {
                return lines.subList(i + 1, lines.size()).stream().filter(l -> l.startsWith(word)).count();
            }
        }
        return 0;
    }

    @Test
    void blockedLoopIsRestartedItsRequestLostAndARetryingClientMakesItRestartAgain() throws Exception {
        int port = LoopbackPorts.free();
        try (LogCapture log = LogCapture.start(); SupervisedRun run = SupervisedRun.start(supervise(port))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.linesStartingWith("PROBE ok").size() >= 2);

            // A minute on the event loop, sent again once when it is lost.
            CompletableFuture<Integer> load = CompletableFuture.supplyAsync(() -> Cli.run(new HttpDemo(), "load",
                    "--url", "http://127.0.0.1:" + port + "/processing?seconds=60", "--retries", "1", "--retry-delay",
                    "200ms", "--timeout", "100s"));
            int loadExit = load.get(100, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> after(log.lines(), "SUPERVISE started", 3, "PROBE ok") >= 1);
            SummaryLine summary = run.stop();
            List<String> lines = log.lines();

            assertThat(summary.getLong("restarts")).isEqualTo(2);
            assertThat(lines).contains("SUPERVISE restart #1 after 3 failed probes",
                    "SUPERVISE backoff 0ms (CrashLoopBackOff)", "SUPERVISE backoff 200ms (CrashLoopBackOff)");
            // The retry reaches the new server after its first answer (liveness fails) or before it (it never
            // answers its startup probe): either way the same request brings it down.
            assertThat(lines).containsAnyOf("SUPERVISE restart #2 after 3 failed probes",
                    "SUPERVISE restart #2 after no answer within the 15s startup timeout");
            // The loop was blocked: the server could not even stop gracefully, and was killed with the request.
            assertThat(summary.getLong("sigkills")).isEqualTo(2);
            assertThat(log.linesStartingWith("LOAD lost #1 after ")).hasSize(2)
                    .allMatch(l -> l.contains("the connection closed before an answer, the request was in flight"));
            // Lost when the process went: the client may log it a moment before the supervisor logs the kill.
            assertThat(after(lines, "SUPERVISE stopping", 1, "LOAD lost")).isEqualTo(2);
            assertThat(lines).contains("LOAD retry #1 (1 of 1) in 200ms");
            assertThat(log.linesStartingWith("SUMMARY requests=1 ")).singleElement().asString()
                    .contains("ok=0", "lost=1", "retries=1");
            assertThat(loadExit).isEqualTo(1);
            // Each server saw the request: the retry reached the new process and blocked it again.
            assertThat(run.childLines().stream().filter(l -> l.contains("REQUEST /processing seconds=60.0"))
                    .map(l -> l.substring(0, l.indexOf(']'))).distinct()).hasSize(2);
        }
    }

    @Test
    void offloadedRequestIsAnsweredAndNothingIsRestarted() throws Exception {
        int port = LoopbackPorts.free();
        try (LogCapture log = LogCapture.start(); SupervisedRun run = SupervisedRun.start(supervise(port))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.linesStartingWith("PROBE ok").size() >= 2);

            int loadExit = Cli.run(new HttpDemo(), "load", "--url", "http://127.0.0.1:" + port
                    + "/processing_fixed?seconds=2", "--retries", "1", "--timeout", "60s");
            SummaryLine summary = run.stop();

            assertThat(loadExit).isZero();
            assertThat(summary.getLong("restarts")).isZero();
            assertThat(summary.getLong("failed")).isZero();
            assertThat(log.linesStartingWith("SUMMARY requests=1 ")).singleElement().asString()
                    .contains("ok=1", "lost=0", "retries=0");
        }
    }

    @Test
    void workerWedgedPastTheWorkDeadlineTurnsHealth503AndTheServerIsRestarted() throws Exception {
        int port = LoopbackPorts.free();
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start(supervise(port, "--work-deadline", "1s"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.linesStartingWith("PROBE ok").size() >= 2);

            // Offloaded, so the loop stays free; but the work ignores its interrupt at the deadline: a wedged worker.
            CompletableFuture<Integer> load = CompletableFuture.supplyAsync(() -> Cli.run(new HttpDemo(), "load",
                    "--url", "http://127.0.0.1:" + port + "/processing_fixed?seconds=60&fault=stuck", "--timeout",
                    "100s"));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> log.lines().contains("SUPERVISE restart #1 after 3 failed probes"));
            await().atMost(Duration.ofSeconds(30)).until(() -> after(log.lines(), "SUPERVISE started", 2, "PROBE ok") >= 1);
            SummaryLine summary = run.stop();
            load.get(100, TimeUnit.SECONDS);

            // The probes were answered at once (the loop is free), and the answer said why: liveness on a wedged worker.
            // At least one such answer; on a busy machine one of the three failures may be a timeout instead.
            assertThat(log.linesStartingWith("PROBE FAIL status 503")).isNotEmpty().hasSizeLessThanOrEqualTo(3)
                    .allMatch(l -> l.matches(
                    "PROBE FAIL status 503: unhealthy: 1 job\\(s\\) past the 1000 ms deadline: worker-\\d+ on GET /processing_fixed"
                    + " seconds=60.0 fault=stuck for \\d+ ms \\([123]/3\\)"));
            assertThat(log.lines()).contains("SUPERVISE restart #1 after 3 failed probes");
            assertThat(summary.getLong("restarts")).isEqualTo(1);
            assertThat(run.childLines()).anyMatch(l -> l.contains("DEADLINE") && l.contains("fault=stuck"));
        }
    }

    @Test
    void slowStartingServerIsNotRestartedWhileItStarts() throws Exception {
        int port = LoopbackPorts.free();
        // Two seconds of nothing before the JVM even starts; liveness alone (2 x 100 ms) would restart it at once.
        List<String> slow = new ArrayList<>(List.of("sh", "-c", "sleep 2; exec \"$@\"", "slow"));
        slow.addAll(serverCommand(port));
        try (LogCapture log = LogCapture.start(); SupervisedRun run = SupervisedRun.start(supervise(port,
                Map.of("--period", "100ms", "--failure-threshold", "2"), slow))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> log.linesStartingWith("PROBE ok").size() >= 3);
            SummaryLine summary = run.stop();

            assertThat(summary.getLong("restarts")).isZero();
            assertThat(log.linesStartingWith("SUPERVISE up pid=")).singleElement().asString()
                    .matches("SUPERVISE up pid=\\d+: answered (\\d+) ms after its start \\(startup probe, \\d+ tries\\)");
            long upAfter = Long.parseLong(log.linesStartingWith("SUPERVISE up").get(0)
                    .replaceAll(".*answered (\\d+) ms.*", "$1"));
            assertThat(upAfter).isGreaterThanOrEqualTo(2_000);
        }
    }
}
