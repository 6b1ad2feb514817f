package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A client that leaves in the middle of its request is routine: no error line, no stack trace, on the loop. */
@Tag("faults")
class RoutineDisconnectTest {

    @Test
    void clientThatClosesMidBodyLeavesNoErrorLineAndNoStack() throws Exception {
        try (InProcessServer server = InProcessServer.start()) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == 0);
            for (int i = 0; i < 20; i++) {
                try (RawConnection client = RawConnection.open(server)) {
                    client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000\r\n\r\n"
                            + "b".repeat(100));
                    if (i % 2 == 1) {
                        client.reset();
                    }
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.server().openConnections() == 0);
            // One loop: its answer to a new connection comes after it handled every close queued before.
            try (RawConnection next = RawConnection.open(server)) {
                assertThat(next.send(RawConnection.get("/health")).read(5_000).status()).isEqualTo(200);
            }
            assertThat(server.capture().linesStartingWith("ERROR")).isEmpty();
            assertThat(server.capture().stacksOf("ERROR")).isEmpty();
        }
    }
}
