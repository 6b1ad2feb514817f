package dev.starvation.http.probe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.RefusingPort;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** One probe read the way the kubelet reads it: the whole answer within the timeout, redirects judged at the end. */
class KubeletProbeSemanticsTest {

    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** For probes that must succeed: far longer than any answer here takes, even on a busy machine. */
    private static final Duration GENEROUS = Duration.ofSeconds(5);

    private static ProbeOutcome probe(ScriptedHttpServer server, String path, Duration timeout) {
        return HttpGetOnce.get(URI.create(server.url(path)), timeout);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void statusLineThenSilenceIsAFailure() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((path, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\n"));
            out.flush();
            Thread.sleep(10_000);
        })) {
            ProbeOutcome outcome = probe(server, "/health", TIMEOUT);

            assertThat(outcome.ok()).isFalse();
            assertThat(outcome.failure()).isEqualTo("timeout after 500ms reading headers");
        }
    }

    @Test
    void headersThenAStalledBodyIsAFailure() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((path, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf"));
            out.flush();
            Thread.sleep(10_000);
        })) {
            ProbeOutcome outcome = probe(server, "/health", TIMEOUT);

            assertThat(outcome.ok()).isFalse();
            assertThat(outcome.failure()).isEqualTo("timeout after 500ms reading the body");
        }
    }

    @Test
    void aBodyCutShortByTheServerIsAFailure() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                (path, out) -> out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")))) {
            ProbeOutcome outcome = probe(server, "/health", GENEROUS);

            assertThat(outcome.ok()).isFalse();
            assertThat(outcome.failure()).contains("closed before the body was complete");
        }
    }

    @Test
    void onlyTheFirst10KibOfABodyIsReadAndTheRestDoesNotMatter() throws Exception {
        // 10 KiB arrive, then the server stalls on the rest: the kubelet has read all it wants and judges the status.
        try (ScriptedHttpServer server = ScriptedHttpServer.start((path, out) -> {
            out.write(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
            out.write(ascii(Integer.toHexString(20 * 1024) + "\r\n"));
            out.write(new byte[10 * 1024]);
            out.flush();
            Thread.sleep(10_000);
        })) {
            ProbeOutcome outcome = probe(server, "/health", GENEROUS);

            // The server stalls past the probe's timeout: a probe that waited for the rest of the body would fail.
            assertThat(outcome.ok()).as(String.valueOf(outcome.failure())).isTrue();
        }
    }

    @Test
    void sameHostRedirectToA500IsAFailure() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((path, out) -> {
            if (path.equals("/health")) {
                ScriptedHttpServer.status(302, "Location: /broken").answer(path, out);
            } else {
                ScriptedHttpServer.status(500).answer(path, out);
            }
        })) {
            ProbeOutcome outcome = probe(server, "/health", GENEROUS);

            assertThat(server.paths()).containsExactly("/health", "/broken");
            assertThat(outcome.ok()).isFalse();
            assertThat(outcome.status()).isEqualTo(500);
            // The body's first line says why: where a health endpoint gives its reason.
            assertThat(outcome.failure()).isEqualTo("status 500: ok");
        }
    }

    @Test
    void sameHostRedirectToA200IsASuccessWithoutWarning() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start((path, out) -> ScriptedHttpServer.status(
                path.equals("/health") ? 301 : 200, "Location: /healthz").answer(path, out))) {
            ProbeOutcome outcome = probe(server, "/health", GENEROUS);

            assertThat(server.paths()).containsExactly("/health", "/healthz");
            assertThat(outcome.ok()).isTrue();
            assertThat(outcome.warning()).isNull();
        }
    }

    @Test
    void tenRedirectsAreFollowedAndTheEleventhIsAFailure() throws Exception {
        // /r/N redirects to /r/N+1 until /r/<stop>, which answers 200.
        for (int stop : new int[] {10, 11}) {
            try (ScriptedHttpServer server = ScriptedHttpServer.start((path, out) -> {
                int n = Integer.parseInt(path.substring("/r/".length()));
                ScriptedHttpServer.status(n == stop ? 200 : 307, "Location: /r/" + (n + 1)).answer(path, out);
            })) {
                ProbeOutcome outcome = probe(server, "/r/0", GENEROUS);

                if (stop == 10) {
                    assertThat(outcome.ok()).as(String.valueOf(outcome.failure())).isTrue();
                } else {
                    assertThat(outcome.ok()).isFalse();
                    assertThat(outcome.failure()).isEqualTo("stopped after 10 redirects");
                    assertThat(server.paths()).hasSize(11);
                }
            }
        }
    }

    @Test
    void crossHostRedirectIsASuccessWithAWarningAndIsNotFollowed() throws Exception {
        try (ScriptedHttpServer server = ScriptedHttpServer.start(
                ScriptedHttpServer.status(302, "Location: http://other.example/health"))) {
            ProbeOutcome outcome = probe(server, "/health", GENEROUS);

            assertThat(server.paths()).containsExactly("/health");
            assertThat(outcome.ok()).isTrue();
            assertThat(outcome.status()).isEqualTo(302);
            assertThat(outcome.warning()).isEqualTo(
                    "status 302 redirects to another host, not followed: http://other.example/health, counted as success");
        }
    }

    @Test
    void refusedConnectionIsAFailureThatSaysTheTargetIsDown() throws Exception {
        try (RefusingPort nobody = RefusingPort.open()) {
            ProbeOutcome outcome = HttpGetOnce.get(URI.create("http://" + nobody.address() + "/health"), GENEROUS);

            assertThat(outcome.ok()).isFalse();
            assertThat(outcome.refused()).isTrue();
            assertThat(outcome.failure()).isEqualTo("connection refused");
        }
    }
}
