package dev.starvation.http.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.LogCapture;
import dev.starvation.common.SummaryLine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Stopping a child tears down everything it started, as a container's teardown does, and a second signal does not cut
 * the stop short.
 */
class SuperviseTeardownTest {

    @Test
    void shellWrapperWithoutExecLeavesNoProcessBehind() throws Exception {
        // A number no other process uses: the sleep is found by its arguments alone.
        String seconds = String.valueOf(3_000 + ThreadLocalRandom.current().nextInt(5_000));
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start("--url", SuperviseTest.nobodyListens(), "--period", "200ms",
                        "--failure-threshold", "100", "--grace", "5s", "--duration", "60s", "--",
                        "sh", "-c", "sleep " + seconds + "; true")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> sleeping(seconds) > 0);
            Thread.sleep(500); // a probe period or two, so the supervisor has seen the tree
            SummaryLine summary = run.stop();

            // The shell dies of SIGTERM at once; the sleep it started would hold on (to a port, for a server).
            await().atMost(Duration.ofSeconds(5)).until(() -> sleeping(seconds) == 0);
            assertThat(summary.getLong("leftovers_killed")).isEqualTo(1);
            assertThat(log.linesStartingWith("SUPERVISE leftovers")).singleElement().asString()
                    .matches("SUPERVISE leftovers: killed 1 process\\(es\\) that pid=\\d+ started and left running, as"
                            + " a container's teardown does");
        } finally {
            ProcessHandle.allProcesses().filter(p -> isSleep(p, seconds)).forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void secondSignalDuringTheFinalStopStillKillsTheChildAndPrintsTheSummary() throws Exception {
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start("--url", SuperviseTest.nobodyListens(), "--period", "200ms",
                        "--failure-threshold", "100", "--grace", "1500ms", "--duration", "60s", "--",
                        "sh", "-c", "trap '' TERM; echo ignoring SIGTERM; while true; do sleep 0.1; done")) {
            await().atMost(Duration.ofSeconds(20)).until(() -> run.childLines().stream()
                    .anyMatch(l -> l.endsWith("ignoring SIGTERM")));
            run.supervisor().stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.linesStartingWith("SUPERVISE stopping").isEmpty());
            run.supervisor().stop(); // the second Ctrl-C, during the grace

            SummaryLine summary = run.summary();
            assertThat(summary.getLong("sigkills")).isEqualTo(1);
            assertThat(log.linesStartingWith("SUPERVISE already stopping")).hasSize(1);
            assertThat(log.linesStartingWith("SUPERVISE killed pid=")).hasSize(1);
            assertThat(log.linesStartingWith("SUMMARY")).hasSize(1);
        }
    }

    private static long sleeping(String seconds) {
        return ProcessHandle.allProcesses().filter(p -> isSleep(p, seconds)).count();
    }

    private static boolean isSleep(ProcessHandle p, String seconds) {
        return p.isAlive() && p.info().command().orElse("").endsWith("sleep")
                && p.info().arguments().map(List::of).orElse(List.of()).equals(List.of(seconds));
    }
}
