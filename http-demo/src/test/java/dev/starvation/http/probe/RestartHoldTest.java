package dev.starvation.http.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.LogCapture;
import dev.starvation.common.RefusingPort;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * After a restart verdict the kubelet restarts the container and does not count again until the new one is there and
 * its initial delay has passed: one verdict per restart, not one per three failures.
 */
class RestartHoldTest {

    private static final Duration INITIAL_DELAY = Duration.ofSeconds(1);

    @Test
    void afterAVerdictNoSecondVerdictUntilTheTargetRestarted() throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        ScriptedHttpServer first = ScriptedHttpServer.start(ScriptedHttpServer.status(500));
        int port = first.port();
        LivenessProbe probe = new LivenessProbe(new ProbeConfig(URI.create(first.url("/health")),
                Duration.ofMillis(100), Duration.ofSeconds(2), 2, INITIAL_DELAY, 0, Duration.ofSeconds(60)));
        try (LogCapture log = LogCapture.start()) {
            Future<?> run = thread.submit(() -> {
                probe.run();
                return null;
            });
            // The target keeps failing after the verdict, but nothing restarted it: no second verdict.
            await().atMost(Duration.ofSeconds(10)).until(() -> log.linesStartingWith("PROBE HOLD FAIL").size() >= 4);
            assertThat(log.linesStartingWith("PROBE RESTART")).hasSize(1);
            assertThat(probe.onHold()).isTrue();

            // The old target goes away (refused), a new one answers on the same port: it has restarted. The port is
            // held while it is refused, so nothing else running beside this test can take it in between.
            first.close();
            try (RefusingPort gone = RefusingPort.on(port)) {
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> !log.linesStartingWith("PROBE HOLD connection refused").isEmpty());
            }
            try (ScriptedHttpServer second = ScriptedHttpServer.startOn(port, ScriptedHttpServer.status(200))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> log.linesStartingWith("PROBE ok").size() >= 2);
                assertThat(log.linesStartingWith("PROBE BACK")).hasSize(1);
                List<Long> arrivals = second.arrivals();
                // The first answer showed the restart; counting began only after the initial delay.
                assertThat(arrivals.get(1) - arrivals.get(0)).isGreaterThanOrEqualTo(INITIAL_DELAY.toNanos());

                // The new target fails in turn: now a second verdict is due.
                second.script(ScriptedHttpServer.status(500));
                await().atMost(Duration.ofSeconds(10)).until(() -> log.linesStartingWith("PROBE RESTART").size() == 2);
            }
            run.cancel(true);

            assertThat(log.linesStartingWith("PROBE FAIL")).hasSize(4)
                    .allMatch(l -> l.startsWith("PROBE FAIL status 500: ok ("));
            assertThat(probe.summary().getLong("failed")).isEqualTo(4);
            assertThat(probe.summary().getLong("held")).isGreaterThanOrEqualTo(6);
        } finally {
            thread.shutdownNow();
            first.close();
        }
    }
}
