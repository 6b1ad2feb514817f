package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.SummaryLine;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** More fixed requests than workers plus queue: the excess is refused at once with 503, and /health stays green. */
class OverloadTest {

    @Test
    void requestsBeyondWorkersAndQueueGet503AtOnceWhileHealthStaysGreen() throws Exception {
        int workers = 2;
        int queue = 2;
        int sent = 20;
        try (InProcessServer server = InProcessServer.start("--workers", String.valueOf(workers), "--queue",
                String.valueOf(queue))) {
            ProbeRun probe = ProbeRun.start(server.url("/health"), Duration.ofMillis(200), Duration.ofSeconds(1), 12);
            // 2 s of work: the 20 requests all reach the server while the first 4 still run, however slowly a busy
            // machine lets the client send them.
            List<Requests.Answer> answers = new Requests().fire(server.url("/processing_fixed?seconds=2"), sent)
                    .answers();
            SummaryLine verdict = probe.summary();

            List<Requests.Answer> done = answers.stream().filter(a -> a.status() == 200).toList();
            List<Requests.Answer> refused = answers.stream().filter(a -> a.status() == 503).toList();
            assertThat(done.size() + refused.size()).as("every request answered 200 or 503").isEqualTo(sent);
            assertThat(done).hasSize(workers + queue);
            assertThat(refused).hasSize(sent - workers - queue)
                    .allSatisfy(a -> assertThat(a.retryAfter()).isEqualTo("1"))
                    .allSatisfy(a -> assertThat(a.body()).contains("queue is full"));
            // Refused at once, not after waiting for a worker: every 503 came before the first accepted request ended.
            long firstDone = done.stream().mapToLong(Requests.Answer::doneNanos).min().orElseThrow();
            assertThat(refused).allSatisfy(a -> assertThat(a.doneNanos()).as("503 before any 200").isLessThan(firstDone));
            // Twenty requests at once on a busy machine may cost one probe its 1 s; a loop held by them would fail
            // probe after probe (one every 200 ms) for as long as it is held.
            assertThat(verdict.getLong("max_consecutive_failures")).as("probe failures in a row").isLessThanOrEqualTo(1);
            assertThat(verdict.get("restart")).isEqualTo("no");
            assertThat(server.server().summary().getLong("rejected")).isEqualTo(sent - workers - queue);
        }
    }
}
