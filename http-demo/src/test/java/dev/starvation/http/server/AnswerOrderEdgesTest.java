package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What may still overtake a pending answer, or follow a closing one: {@code Expect} answers (100, 413, 417) go out in
 * their turn, and nothing is processed after an answer that closes the connection.
 */
class AnswerOrderEdgesTest {

    private static final String SLOW = RawConnection.get("/processing_fixed?seconds=1");

    @Test
    void continueForAPipelinedRequestWaitsForTheAnswerBeforeIt() throws Exception {
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            client.send(SLOW + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\n");

            assertThat(client.read(10_000).status()).as("the slow answer first").isEqualTo(200);
            assertThat(client.read(10_000).status()).as("then the continue").isEqualTo(100);
            client.send("hello");
            RawConnection.Answer health = client.read(10_000);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("OK");
            // The connection goes on: no request was swallowed as a body, no 408 comes later.
            assertThat(client.send(RawConnection.get("/health")).read(5_000).body()).isEqualTo("OK");
        }
    }

    @Test
    void continueIsSentAtOnceWhenNothingIsPending() throws Exception {
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertThat(client.read(5_000).status()).isEqualTo(100);
            assertThat(client.send("hello").read(5_000).body()).isEqualTo("OK");
        }
    }

    @Test
    void oversizedBodyWithExpectIsRefused413InItsTurn() throws Exception {
        try (InProcessServer server = InProcessServer.start("--max-body-bytes", "1000");
                RawConnection client = RawConnection.open(server)) {
            client.send(SLOW + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 100000\r\n\r\n");

            assertThat(client.read(10_000).status()).isEqualTo(200);
            assertThat(client.read(10_000).status()).isEqualTo(413);
            assertThat(client.closedByServerWithin(5_000)).isTrue();
        }
    }

    @Test
    void unsupportedExpectationIsRefused417InItsTurn() throws Exception {
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            client.send(SLOW + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: teapot\r\nContent-Length: 0\r\n\r\n");

            assertThat(client.read(10_000).status()).isEqualTo(200);
            RawConnection.Answer refused = client.read(10_000);
            assertThat(refused.status()).isEqualTo(417);
            assertThat(refused.body()).contains("got 'teapot'");
            assertThat(client.closedByServerWithin(5_000)).isTrue();
        }
    }

    @Test
    void requestPipelinedAfterAClosingAnswerIsNeverProcessed() throws Exception {
        try (InProcessServer server = InProcessServer.start();
                RawConnection client = RawConnection.open(server)) {
            long before = server.server().offloader().completed() + server.server().offloader().cancelled();
            // The work throws: answered 500 with Connection: close. The request behind it must not run (RFC 9112 9.6).
            client.send(RawConnection.get("/processing_fixed?seconds=0.3&fault=throw")
                    + RawConnection.get("/processing_fixed?seconds=0.2"));

            RawConnection.Answer first = client.read(10_000);
            assertThat(first.status()).isEqualTo(500);
            assertThat(first.headers()).containsEntry("connection", "close");
            assertThat(client.closedByServerWithin(5_000)).as("closed, with no second answer").isTrue();
            Thread.sleep(Duration.ofMillis(500).toMillis());
            assertThat(server.capture().linesStartingWith("REQUEST"))
                    .noneMatch(l -> l.contains("seconds=0.2"));
            assertThat(server.server().offloader().completed() + server.server().offloader().cancelled()).isEqualTo(before);
        }
    }
}
