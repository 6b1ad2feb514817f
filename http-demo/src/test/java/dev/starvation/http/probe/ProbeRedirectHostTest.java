package dev.starvation.http.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The kubelet compares a redirect's host name with the probe's exactly, case included. */
class ProbeRedirectHostTest {

    @Test
    void redirectToTheSameHostSpelledInOtherCaseIsNotFollowed() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                ScriptedHttpServer.status(302, "Location: http://LocalHost/elsewhere"))) {
            ProbeOutcome outcome = HttpGetOnce.get(URI.create("http://localhost:" + server.port() + "/health"),
                    Duration.ofSeconds(5));

            assertThat(server.paths()).containsExactly("/health");
            assertThat(outcome.ok()).isTrue();
            assertThat(outcome.status()).isEqualTo(302);
            assertThat(outcome.warning()).isEqualTo("status 302 redirects to another host, not followed:"
                    + " http://LocalHost/elsewhere, counted as success");
        }
    }
}
