package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** SIGTERM with requests in flight: they finish within the grace period or get a 503, new connections are refused, exit 0. */
@Tag("faults")
class ShutdownTest {

    @Test
    void sigtermLetsInFlightWorkFinishRefusesNewConnectionsAndExitsZero() throws Exception {
        try (ServerProcess server = ServerProcess.start("--workers", "2", "--queue", "2", "--grace", "10s")) {
            // Two requests run on the two workers, a third waits in the queue.
            Requests inFlight = new Requests().fire(server.url("/processing_fixed?seconds=1.5"), 3);
            server.awaitLine("REQUEST /processing_fixed", Duration.ofSeconds(10));

            server.sigterm();
            server.awaitLine("SHUTDOWN stopped accepting", Duration.ofSeconds(10));
            // NIO closes a registered listening socket for good at the loop's next select: give it a moment.
            await().atMost(Duration.ofSeconds(2)).until(() -> refused(server));

            List<Requests.Answer> answers = inFlight.answers();
            assertThat(answers).hasSize(3).extracting(Requests.Answer::status).containsOnly(200);
            assertThat(server.awaitExit(Duration.ofSeconds(15))).isZero();
            assertThat(server.log()).contains("SHUTDOWN in-flight work finished", "SUMMARY offloaded_done=3");
        }
    }

    private static boolean refused(ServerProcess server) {
        try (Socket s = new Socket(server.base().getHost(), server.base().getPort())) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void workStillRunningWhenTheGracePeriodEndsGets503AndTheServerStillExitsZero() throws Exception {
        try (ServerProcess server = ServerProcess.start("--workers", "2", "--queue", "2", "--grace", "500ms")) {
            Requests inFlight = new Requests().fire(server.url("/processing_busy_fixed?seconds=20"), 3);
            server.awaitLine("REQUEST /processing_busy_fixed", Duration.ofSeconds(10));

            long start = System.nanoTime();
            server.sigterm();
            List<Requests.Answer> answers = inFlight.answers();
            int exit = server.awaitExit(Duration.ofSeconds(10));
            long tookMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(answers).hasSize(3).extracting(Requests.Answer::status).containsOnly(503);
            assertThat(answers).extracting(Requests.Answer::body)
                    .containsExactlyInAnyOrder("shutting down: work abandoned", "shutting down: work abandoned",
                            "shutting down: the grace period ended before this work started");
            assertThat(exit).isZero();
            // Grace 500 ms plus the loops' own quiet period: far from the 20 s the work wanted.
            assertThat(tookMs).isLessThan(6_000);
        }
    }
}
