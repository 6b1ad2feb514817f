package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What RFC 9110 and 9112 ask of every origin server: HEAD, one Host header, a target in absolute form. */
class RequestTargetAndHostTest {

    private static InProcessServer server;

    @BeforeAll
    static void start() throws Exception {
        server = InProcessServer.start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void headIsAnsweredLikeGetWithoutTheBody() throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/health"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEmpty();
    }

    @Test
    void http11RequestWithoutHostOrWithTwoIsRefused400() throws Exception {
        try (RawConnection client = RawConnection.open(server)) {
            RawConnection.Answer answer = client.send("GET /health HTTP/1.1\r\n\r\n").read(5_000);
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).isEqualTo("bad request: an HTTP/1.1 request needs a Host header");
        }
        try (RawConnection client = RawConnection.open(server)) {
            RawConnection.Answer answer = client.send("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").read(5_000);
            assertThat(answer.status()).isEqualTo(400);
            assertThat(answer.body()).isEqualTo("bad request: more than one Host header");
        }
        try (RawConnection client = RawConnection.open(server)) {
            assertThat(client.send("GET /health HTTP/1.0\r\n\r\n").read(5_000).body()).isEqualTo("OK");
        }
    }

    @Test
    void targetInAbsoluteFormIsServedLikeItsPath() throws Exception {
        try (RawConnection client = RawConnection.open(server)) {
            RawConnection.Answer answer = client.send("GET http://127.0.0.1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .read(5_000);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.body()).isEqualTo("OK");
        }
    }
}
