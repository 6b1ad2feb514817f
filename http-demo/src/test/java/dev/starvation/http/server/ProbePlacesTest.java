package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A client holding every place under {@code --max-connections} must not get the pod restarted: a few places beyond
 * the cap are kept for {@code /health} and {@code /ready}, one probe per connection.
 */
@Tag("faults")
class ProbePlacesTest {

    @Test
    void probesAreAnsweredWhileAClientHoldsEveryConnectionPlace() throws Exception {
        try (InProcessServer server = InProcessServer.start("--max-connections", "3")) {
            try (HeldConnections held = HeldConnections.fill(server, 3)) {

                for (String probe : List.of("/health", "/ready", "/health")) {
                    try (RawConnection kubelet = RawConnection.open(server)) {
                        RawConnection.Answer answer = kubelet.send(RawConnection.get(probe)).read(5_000);
                        assertThat(answer.status()).as(probe).isEqualTo(200);
                        // One probe per connection: the place is given back at once.
                        assertThat(answer.headers()).containsEntry("connection", "close");
                        assertThat(kubelet.closedByServerWithin(5_000)).isTrue();
                    }
                }
                try (RawConnection other = RawConnection.open(server)) {
                    RawConnection.Answer refused = other.send(RawConnection.get("/processing_fixed?seconds=0.1"))
                            .read(5_000);
                    assertThat(refused.status()).isEqualTo(503);
                    assertThat(refused.body()).contains("3 connections open, the most --max-connections allows");
                }
                assertThat(server.server().offloader().inFlight()).isZero();
            }
        }
    }

    @Test
    void silentConnectionInAProbePlaceGivesItBackWithinSeconds() throws Exception {
        try (InProcessServer server = InProcessServer.start("--max-connections", "1", "--idle-timeout", "60s")) {
            await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == 0);
            try (RawConnection holder = RawConnection.open(server);
                    RawConnection silent = RawConnection.open(server)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> server.server().openConnections() == 2);
                // The holder's place lasts the 60 s idle timeout; the probe place is free again after about 2 s.
                assertThat(silent.closedByServerWithin(10_000)).isTrue();
                assertThat(holder.closedByServerWithin(100)).isFalse();
            }
        }
    }
}
