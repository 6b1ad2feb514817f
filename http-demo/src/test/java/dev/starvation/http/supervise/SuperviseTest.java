package dev.starvation.http.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.Cli;
import dev.starvation.common.LogCapture;
import dev.starvation.common.RefusingPort;
import dev.starvation.common.SummaryLine;
import dev.starvation.http.HttpDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import picocli.CommandLine;

/** {@code supervise} with small stand-in servers: bad commands, the CrashLoopBackOff, and SIGKILL past the grace. */
@EnabledOnOs({OS.LINUX, OS.MAC})
class SuperviseTest {

    /** Held for the whole test JVM, so that no server started beside these tests can take its port. */
    private static final RefusingPort NOBODY = RefusingPort.open();

    /** A loopback URL where nothing listens: every probe is refused. */
    static String nobodyListens() {
        return "http://" + NOBODY.address() + "/health";
    }

    /** Runs {@code http-demo ARGS} as the jar would; returns the exit code and what went to stderr. */
    private static String[] cli(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new HttpDemo());
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new String[] {String.valueOf(exit), err.toString()};
    }

    @Test
    void commandThatExitsAtOnceIsRefusedWithItsExitCodeAndLastLines() throws Exception {
        String[] run = cli("supervise", "--url", nobodyListens(), "--period", "100ms", "--count", "50", "--",
                "sh", "-c", "echo 'unknown flag --prot'; exit 3");

        assertThat(run[0]).isEqualTo("1");
        assertThat(run[1]).contains("ERROR supervise: the server command exited at once with code 3, before it"
                + " answered a probe", "sh -c echo 'unknown flag --prot'; exit 3", "its last lines:\n  unknown flag --prot");
    }

    @Test
    void programThatCannotBeStartedIsRefusedNamingIt() throws Exception {
        String[] run = cli("supervise", "--url", nobodyListens(), "--count", "5", "--", "/no/such/server", "--port",
                "8080");

        assertThat(run[0]).isEqualTo("1");
        assertThat(run[1]).contains("ERROR supervise: cannot start '/no/such/server'");
    }

    @Test
    void backoffDoublesFromBackoffUpToMaxBackoff() throws Exception {
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start("--url", nobodyListens(), "--period", "50ms", "--timeout",
                        "200ms", "--failure-threshold", "2", "--grace", "5s", "--backoff", "100ms", "--max-backoff",
                        "400ms", "--duration", "60s", "--", "sleep", "60")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.linesStartingWith("SUPERVISE backoff").size() >= 5);
            SummaryLine summary = run.stop();

            assertThat(log.linesStartingWith("SUPERVISE backoff").subList(0, 5)).extracting(l -> l.split(" ")[2])
                    .containsExactly("0ms", "100ms", "200ms", "400ms", "400ms");
            assertThat(log.linesStartingWith("SUPERVISE restart #1 after 2 failed probes")).hasSize(1);
            assertThat(log.linesStartingWith("SUPERVISE restart #5 after 2 failed probes")).hasSize(1);
            assertThat(summary.getLong("restarts")).isGreaterThanOrEqualTo(5);
            // sleep ends on SIGTERM: no SIGKILL was needed.
            assertThat(summary.getLong("sigkills")).isZero();
            assertThat(log.linesStartingWith("SUPERVISE stopped pid=")).allMatch(l -> l.endsWith(" exit=143"));
        }
    }

    @Test
    void childThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start("--url", nobodyListens(), "--period", "50ms", "--timeout",
                        "200ms", "--failure-threshold", "1", "--grace", "300ms", "--backoff", "100ms", "--duration",
                        "60s", "--", "sh", "-c", "trap '' TERM; echo ignoring SIGTERM; while true; do sleep 0.1; done")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !log.linesStartingWith("SUPERVISE killed").isEmpty());
            SummaryLine summary = run.stop();

            assertThat(log.linesStartingWith("SUPERVISE killed").get(0))
                    .matches("SUPERVISE killed pid=\\d+: still running after the 300ms grace, SIGKILL; what it had in"
                            + " flight is lost");
            assertThat(summary.getLong("sigkills")).isGreaterThanOrEqualTo(1);
            assertThat(run.childLines()).anyMatch(l -> l.matches("\\[\\d+] ignoring SIGTERM"));
        }
    }

    @Test
    void stoppingTheSupervisorStopsItsChildAndPrintsTheSummary() throws Exception {
        List<String> lines = new ArrayList<>();
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start("--url", nobodyListens(), "--period", "1s", "--failure-threshold",
                        "10", "--duration", "60s", "--", "sleep", "60")) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.linesStartingWith("PROBE FAIL").isEmpty());
            SummaryLine summary = run.stop();
            lines.addAll(log.lines());

            assertThat(summary.getLong("restarts")).isZero();
            assertThat(lines).anyMatch(l -> l.matches("SUPERVISE stopping pid=\\d+ \\(the run is over\\): SIGTERM,"
                    + " SIGKILL after 5s"));
            assertThat(lines).anyMatch(l -> l.matches("SUPERVISE stopped pid=\\d+ exit=143"));
            assertThat(lines.get(lines.size() - 1)).startsWith("SUMMARY probes=");
        }
    }

    @Test
    void childThatNeverAnswersWithinTheStartupTimeoutIsRestarted() throws Exception {
        try (LogCapture log = LogCapture.start();
                SupervisedRun run = SupervisedRun.start("--url", nobodyListens(), "--period", "50ms", "--timeout",
                        "200ms", "--startup-timeout", "300ms", "--backoff", "100ms", "--duration", "60s", "--",
                        "sleep", "60")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> log.linesStartingWith("SUPERVISE restart").size() >= 2);
            SummaryLine summary = run.stop();

            assertThat(log.linesStartingWith("SUPERVISE restart").subList(0, 2)).containsExactly(
                    "SUPERVISE restart #1 after no answer within the 300ms startup timeout",
                    "SUPERVISE restart #2 after no answer within the 300ms startup timeout");
            // Liveness never began: no probe was counted.
            assertThat(log.linesStartingWith("PROBE")).isEmpty();
            assertThat(summary.getLong("probes")).isZero();
        }
    }
}
