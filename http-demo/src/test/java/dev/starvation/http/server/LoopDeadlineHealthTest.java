package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.http.probe.HttpGetOnce;
import dev.starvation.http.probe.ProbeOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With several event loops a probe lands on one of them: a wedged loop must fail the probes that land on the free
 * ones too, once it has been stalled past {@code --loop-deadline}; a loop merely slow (stalled less) does not.
 */
class LoopDeadlineHealthTest {

    @Test
    void oneWedgedLoopOfFourTurnsHealth503OnTheOthersAfterTheLoopDeadline() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "4", "--loop-deadline", "3s");
                RawConnection blocker = RawConnection.open(server)) {
            blocker.send(RawConnection.get("/processing?seconds=9"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !server.capture().linesStartingWith("REQUEST").isEmpty());
            long start = System.nanoTime();

            // Before the deadline the blocked loop is slow, not wedged: the probes dealt to free loops are answered 200.
            List<ProbeOutcome> early = probesUntil(server, start, 1_500);
            assertThat(early).extracting(ProbeOutcome::status).contains(200);

            sleepUntil(start, 4_500);
            List<ProbeOutcome> late = probesUntil(server, start, 7_000);
            // Every probe now fails: a timeout on the blocked loop, 503 naming it on the others.
            assertThat(late).hasSizeGreaterThanOrEqualTo(3).noneMatch(ProbeOutcome::ok);
            assertThat(late).filteredOn(o -> o.status() == 503).isNotEmpty()
                    .allSatisfy(o -> assertThat(o.failure()).contains("stalled past the 3000 ms --loop-deadline: "
                            + "event-loop-").contains(" ms"));

            assertThat(blocker.read(15_000).status()).isEqualTo(200);
        }
    }

    @Test
    void healthIsBackTo200OnceTheWedgedLoopReturns() throws Exception {
        try (InProcessServer server = InProcessServer.start("--event-loops", "2", "--loop-deadline", "1s");
                RawConnection blocker = RawConnection.open(server)) {
            blocker.send(RawConnection.get("/processing?seconds=2.5"));
            assertThat(blocker.read(15_000).status()).isEqualTo(200);
            // The watchdog sees the loop back within an interval; every probe, on either loop, is 200 again.
            Thread.sleep(500);
            for (int i = 0; i < 4; i++) {
                assertThat(HttpGetOnce.get(server.url("/health"), Duration.ofSeconds(2)).status()).isEqualTo(200);
            }
        }
    }

    /** One probe after another, each on a connection of its own with the kubelet's 500 ms timeout, until {@code untilMs}. */
    private static List<ProbeOutcome> probesUntil(InProcessServer server, long start, long untilMs) {
        List<ProbeOutcome> outcomes = new ArrayList<>();
        while ((System.nanoTime() - start) / 1_000_000 < untilMs) {
            outcomes.add(HttpGetOnce.get(server.url("/health"), Duration.ofMillis(500)));
        }
        return outcomes;
    }

    private static void sleepUntil(long start, long ms) throws InterruptedException {
        long left = ms - (System.nanoTime() - start) / 1_000_000;
        if (left > 0) {
            Thread.sleep(left);
        }
    }
}
