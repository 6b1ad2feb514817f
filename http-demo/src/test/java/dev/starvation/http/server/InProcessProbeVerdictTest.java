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
            probeWhile(server, "/processing?seconds=" + STALL, 1, Duration.ofMillis(2500), 10);
            assertThat(okLatencies(server.capture().lines())).as("one probe waited most of the stall")
                    .anyMatch(ms -> ms >= 1000);
        }
    }

    @Test
    void fourEventLoopsFailOnlyTheProbesThatLandOnTheBlockedLoop() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "4")) {
            // The server channel took loop 0; new connections are dealt round-robin from loop 1 on, and a connection
            // stays on its loop for life. The blocking request, the first connection, holds loop 1 for 2 s.
            Requests work = new Requests().fire(server.url("/processing?seconds=2"), 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> !server.capture().linesStartingWith("REQUEST").isEmpty());
            SummaryLine verdict = ProbeRun.start(server.url("/health"), Duration.ofMillis(100), TIMEOUT, 8).summary();

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
            Requests work = new Requests().fire(server.url("/processing?seconds=2"), 4);
            await().atMost(Duration.ofSeconds(5)).until(() -> server.capture().linesStartingWith("REQUEST").size() == 4);
            SummaryLine verdict = ProbeRun.start(server.url("/health"), Duration.ofMillis(100), TIMEOUT, 5).summary();

            assertThat(verdict.getLong("max_consecutive_failures")).isGreaterThanOrEqualTo(3);
            assertThat(verdict.get("restart")).isEqualTo("yes");
            assertThat(work.answers()).extracting(Requests.Answer::status).containsOnly(200);
        }
    }
}
