package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.SummaryLine;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The story's verdicts against the server in this JVM, plus what only an in-process run can see. */
class InProcessProbeVerdictTest extends ProbeVerdictScenarios {

    @Override
    RunningServer start(String... serverArgs) throws Exception {
        return InProcessServer.start(serverArgs);
    }

    @Test
    void tunedProbeWaitsOutTheStallInsteadOfFailing() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "1")) {
            SummaryLine verdict = probeWhile(server, "/processing?seconds=" + STALL, 1, Duration.ofMillis(2500), 10);

            assertThat(verdict.getLong("failed")).as("probes that failed instead of waiting").isZero();
            assertThat(verdict.get("restart")).isEqualTo("no");
            assertThat(okLatencies(server.capture().lines())).as("one probe waited most of the stall")
                    .anyMatch(ms -> ms >= 1000);
        }
    }

    @Test
    void fourEventLoopsFailOnlyTheProbesThatLandOnTheBlockedLoop() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "4")) {
            // The server channel took loop 0; new connections are dealt round-robin from loop 1 on, and a connection
            // stays on its loop for life. The blocking request, the first connection, holds loop 1 for 5 s: longer than
            // the 8 probes take, even with two of them waiting out the kubelet's 1 s timeout on a busy machine.
            Requests work = new Requests().fire(server.url("/processing?seconds=5"), 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> !server.capture().linesStartingWith("REQUEST").isEmpty());
            SummaryLine verdict = ProbeRun.start(server.url("/health"), Duration.ofMillis(100), KUBELET_TIMEOUT, 8)
                    .summary();

            // Every fourth probe connection lands on loop 1 and times out; the other three loops answer.
            assertThat(verdict.getLong("failed")).isBetween(1L, 3L);
            assertThat(verdict.getLong("ok")).isGreaterThanOrEqualTo(3 * verdict.getLong("failed"));
            assertThat(verdict.getLong("max_consecutive_failures")).isEqualTo(1);
            assertThat(verdict.get("restart")).isEqualTo("no");
            assertThat(work.answers()).extracting(Requests.Answer::status).containsOnly(200);
        }
    }

    @Test
    void fourBlockingRequestsOnFourEventLoopsFailTheProbeAgain() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "4")) {
            // Four slow requests take all four loops, the one that accepts included: the limit only moved from 1 to 4.
            // 4 s each: the accepting loop stays held while three probes in a row time out, however late they start.
            Requests work = new Requests().fire(server.url("/processing?seconds=4"), 4);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.capture().linesStartingWith("REQUEST").size() == 4);
            SummaryLine verdict = ProbeRun.start(server.url("/health"), Duration.ofMillis(100), TIMEOUT, 5).summary();

            assertThat(verdict.getLong("max_consecutive_failures")).isGreaterThanOrEqualTo(3);
            assertThat(verdict.get("restart")).isEqualTo("yes");
            assertThat(work.answers()).extracting(Requests.Answer::status).containsOnly(200);
        }
    }
}
