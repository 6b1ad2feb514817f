package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real blocking calls throw when interrupted: a deadline interrupt that ends in an exception is still a deadline. */
@Tag("faults")
class DeadlineThrowTest {

    @Test
    void interruptThatMakesTheWorkThrowIsAnswered504AndCountedPastDeadline() throws Exception {
        try (InProcessServer server = InProcessServer.start("--work-deadline", "1s");
                RawConnection client = RawConnection.open(server)) {
            client.send(RawConnection.get("/processing_fixed?seconds=20&fault=throw"));

            RawConnection.Answer answer = client.read(15_000);

            assertThat(answer.status()).isEqualTo(504);
            assertThat(answer.body()).startsWith("deadline: the work ran past --work-deadline (1000 ms)");
            // Counted where RequestStuckPastDeadline and the SUMMARY look, not as a failure of the work.
            assertThat(server.server().offloader().pastDeadline()).isEqualTo(1);
            assertThat(server.server().offloader().failed()).isZero();
            assertThat(server.server().summary().toString()).contains("past_deadline=1").contains("failed=0");
            assertThat(server.capture().linesStartingWith("FAILED")).isEmpty();
            // The connection stays usable: the deadline is the work's fault, not the client's.
            assertThat(client.send(RawConnection.get("/health")).read(5_000).status()).isEqualTo(200);
        }
    }
}
