package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * SIGTERM with requests in flight: they finish within the grace period or get a 503, new connections are refused,
 * exit 0. Its servers are child processes, whose lines cannot reach another test's log capture, so it runs beside
 * the others.
 */
@Tag("faults")
@Execution(ExecutionMode.CONCURRENT)
class ShutdownTest {

    @Test
    void sigtermLetsInFlightWorkFinishRefusesNewConnectionsAndExitsZero() throws Exception {
        try (ServerProcess server = ServerProcess.start("--workers", "2", "--queue", "1", "--grace", "10s")) {
            // Two requests run on the two workers, a third waits in the queue: then /ready says the pool is full, for
            // the 3 s the first two take (the queued one then runs 3 s more, well inside the 10 s grace).
            Requests inFlight = new Requests().fire(server.url("/processing_fixed?seconds=3"), 3);
            awaitFull(server);

            server.sigterm();
            server.awaitLine("SHUTDOWN stopped accepting", Duration.ofSeconds(10));
            // NIO closes a registered listening socket for good at the loop's next select: give it a moment.
            await().atMost(Duration.ofSeconds(5)).until(() -> refused(server));

            List<Requests.Answer> answers = inFlight.answers();
            assertThat(answers).hasSize(3).extracting(Requests.Answer::status).containsOnly(200);
            assertThat(server.awaitExit(Duration.ofSeconds(15))).isZero();
            assertThat(server.log()).contains("SHUTDOWN in-flight work finished", "SUMMARY offloaded_done=3");
        }
    }

    /**
     * Waits until every request fired is on the server, running or queued: /ready turns 503 when all three are. A wait,
     * not a promise: a JVM just started answers its first requests slowly on a busy machine, so a /ready that times out
     * is asked again.
     */
    private static void awaitFull(ServerProcess server) {
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptionsMatching(e -> e.getCause() instanceof HttpTimeoutException)
                .until(() -> Requests.get(HttpRequest.newBuilder(server.url("/ready"))
                        .timeout(Duration.ofSeconds(5)).GET().build()).status() == 503);
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
        try (ServerProcess server = ServerProcess.start("--workers", "2", "--queue", "1", "--grace", "500ms")) {
            Requests inFlight = new Requests().fire(server.url("/processing_busy_fixed?seconds=20"), 3);
            awaitFull(server);

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
            // Grace 500 ms plus the loops' own quiet period (about 1 s on a quiet machine): far from the 20 s of work.
            assertThat(tookMs).isLessThan(10_000);
        }
    }
}
