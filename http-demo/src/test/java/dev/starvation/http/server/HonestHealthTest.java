package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * After the fix, the probes still mean something: liveness ({@code /health}) fails only for a wedged worker, readiness
 * ({@code /ready}) while the pool is full, and the work deadline turns slow work into a 504 instead of a hung client.
 */
class HonestHealthTest {

    private static Requests.Answer get(RunningServer server, String path) throws Exception {
        return Requests.get(HttpRequest.newBuilder(server.url(path)).timeout(Duration.ofSeconds(5)).GET().build());
    }

    @Test
    void readyIs503WhileThePoolAndQueueAreFullWhileHealthStays200() throws Exception {
        try (InProcessServer server = InProcessServer.start("--workers", "1", "--queue", "1")) {
            assertThat(get(server, "/ready").status()).isEqualTo(200);
            Requests work = new Requests().fire(server.url("/processing_fixed?seconds=2"), 2);

            // The answer the wait accepted is the one asserted: a second GET could come once the first job is done.
            AtomicReference<Requests.Answer> ready = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                ready.set(get(server, "/ready"));
                return ready.get().status() == 503;
            });
            Requests.Answer health = get(server, "/health");
            assertThat(ready.get().body()).isEqualTo("not ready: 1 of 1 workers busy, 1 of 1 queue places taken; new work would"
                    + " be refused (liveness is not affected)");
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("OK");

            assertThat(work.answers()).extracting(Requests.Answer::status).containsOnly(200);
            assertThat(get(server, "/ready").status()).isEqualTo(200);
        }
    }

    @Test
    void workPastTheDeadlineIsInterruptedAndAnswered504AndHealthStays200() throws Exception {
        try (InProcessServer server = InProcessServer.start("--work-deadline", "1s")) {
            long start = System.nanoTime();
            Requests.Answer answer = get(server, "/processing_busy_fixed?seconds=20");
            long tookMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(answer.status()).isEqualTo(504);
            assertThat(answer.body()).isEqualTo("deadline: the work ran past --work-deadline (1000 ms) and was interrupted");
            // Cut at the deadline, long before the 20 s the work asked for.
            assertThat(tookMs).isBetween(900L, 10_000L);
            assertThat(server.capture().linesStartingWith("DEADLINE")).singleElement().asString()
                    .contains("on GET /processing_busy_fixed seconds=20.0 passed its 1000 ms deadline");
            assertThat(get(server, "/health").status()).isEqualTo(200);
            assertThat(server.server().offloader().pastDeadline()).isEqualTo(1);
            assertThat(server.server().offloader().active()).isZero();
        }
    }

    @Test
    void workerThatIgnoresItsInterruptTurnsHealth503WithTheReasonUntilItComesBack() throws Exception {
        try (InProcessServer server = InProcessServer.start("--work-deadline", "1s")) {
            Requests wedged = new Requests().fire(server.url("/processing_fixed?seconds=5&fault=stuck"), 1);

            AtomicReference<Requests.Answer> health = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(4)).until(() -> {
                health.set(get(server, "/health"));
                return health.get().status() == 503;
            });
            assertThat(health.get().body()).matches("unhealthy: 1 job\\(s\\) past the 1000 ms deadline: worker-\\d on"
                    + " GET /processing_fixed seconds=5.0 fault=stuck for \\d+ ms");
            // Readiness is about capacity: a wedged worker is for liveness to report.
            assertThat(get(server, "/ready").status()).isEqualTo(200);

            List<Requests.Answer> answers = wedged.answers();
            assertThat(answers).extracting(Requests.Answer::status).containsExactly(504);
            assertThat(get(server, "/health").status()).isEqualTo(200);
            assertThat(server.capture().linesStartingWith("STALL over")).anyMatch(l -> l.contains("fault=stuck"));
        }
    }
}
