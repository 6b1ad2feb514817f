package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.SummaryLine;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The probe verdicts of the story, written once: subclasses run them against the server in this JVM and, where Docker
 * exists, in a container probed from the host.
 */
abstract class ProbeVerdictScenarios {

    static final Duration PERIOD = Duration.ofMillis(200);
    static final Duration TIMEOUT = Duration.ofMillis(300);
    /**
     * The kubelet's default probe timeout, for the runs that must stay green: a free loop answers in milliseconds, but
     * on a busy machine (two CPU-bound workers, another process on a core) a probe may wait its turn for a CPU.
     */
    static final Duration KUBELET_TIMEOUT = Duration.ofSeconds(1);
    static final String STALL = "1.5";
    /**
     * The stall that must fail three probes in a row: three 300 ms timeouts take about 1 s, so 3 s of it leave a busy
     * machine 2 s to start the probes late.
     */
    static final String LONG_STALL = "3";

    /** Starts a server as {@code server ARGS} would. */
    abstract RunningServer start(String... serverArgs) throws Exception;

    /** Probes until 2 are green, fires {@code requests} GETs at {@code path}, then lets the probe finish its count. */
    static SummaryLine probeWhile(RunningServer server, String path, int requests, Duration timeout, int probes)
            throws Exception {
        ProbeRun probe = ProbeRun.start(server.url("/health"), PERIOD, timeout, probes);
        await().atMost(Duration.ofSeconds(10)).until(() -> probe.sofar().getLong("ok") >= 2);
        Requests work = new Requests().fire(server.url(path), requests);
        SummaryLine verdict = probe.summary();
        assertThat(work.answers()).as("the work itself was answered").extracting(Requests.Answer::status)
                .containsOnly(200);
        return verdict;
    }

    @ParameterizedTest(name = "{0} on the event loop makes the probe fail three times in a row")
    @CsvSource({
        "/processing,      dev.starvation.http.work.Work$1.perform",
        "/processing_busy, dev.starvation.common.CpuWork.burn"})
    void workOnTheLoopMakesProbeFailThreeTimesInARow(String path, String blockingFrame) throws Exception {
        try (RunningServer server = start("--event-loops", "1")) {
            SummaryLine verdict = probeWhile(server, path + "?seconds=" + LONG_STALL, 1, TIMEOUT, 15);

            assertThat(verdict.getLong("max_consecutive_failures")).isGreaterThanOrEqualTo(3);
            assertThat(verdict.get("restart")).isEqualTo("yes");
            // The STALL line's stack names the handler and the code in it that holds the loop.
            assertThat(server.log()).containsPattern("STALL event loop \\S+ blocked for \\d+ ms \\(limit 200 ms\\)")
                    .contains("dev.starvation.http.server.DemoHandler.channelRead0", blockingFrame);
        }
    }

    @Test
    void fiveOffloadedSleepsLeaveTheProbeGreen() throws Exception {
        try (RunningServer server = start("--event-loops", "1", "--workers", "2", "--queue", "4")) {
            SummaryLine verdict = probeWhile(server, "/processing_fixed?seconds=1", 5, KUBELET_TIMEOUT, 15);

            assertThat(verdict.getLong("failed")).isZero();
            assertThat(verdict.get("restart")).isEqualTo("no");
            assertThat(server.log()).doesNotContain("STALL event loop");
        }
    }

    @Test
    void oneOffloadedCpuJobPerCoreLeavesTheProbeGreen() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        try (RunningServer server = start("--event-loops", "1", "--workers", String.valueOf(cores))) {
            SummaryLine verdict = probeWhile(server, "/processing_busy_fixed?seconds=" + STALL, cores, KUBELET_TIMEOUT,
                    12);

            assertThat(verdict.getLong("failed")).isZero();
            assertThat(verdict.get("restart")).isEqualTo("no");
        }
    }

    @Test
    void probeTimeoutLongerThanTheStallGivesNoRestartVerdict() throws Exception {
        try (RunningServer server = start("--event-loops", "1")) {
            SummaryLine verdict = probeWhile(server, "/processing?seconds=" + STALL, 1, Duration.ofMillis(2500), 10);

            assertThat(verdict.getLong("failed")).isZero();
            assertThat(verdict.get("restart")).isEqualTo("no");
            // The stall happened during the run: one probe waited for it instead of failing.
            assertThat(server.log()).contains("STALL event loop");
        }
    }

    /** The probe lines' latencies, for tests that look at how long probes waited. */
    static List<Long> okLatencies(List<String> probeLines) {
        return probeLines.stream().filter(l -> l.startsWith("PROBE ok "))
                .map(l -> Long.parseLong(l.substring("PROBE ok ".length(), l.length() - 2))).toList();
    }
}
