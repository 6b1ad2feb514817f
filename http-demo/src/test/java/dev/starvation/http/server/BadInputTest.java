package dev.starvation.http.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.http.probe.HttpGetOnce;
import dev.starvation.http.probe.ProbeOutcome;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kind of bad request gets its status and a body that says what is wrong, and the server keeps answering /health. */
class BadInputTest {

    private static InProcessServer server;

    @BeforeAll
    static void start() throws Exception {
        server = InProcessServer.start("--max-seconds", "60");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @ParameterizedTest(name = "GET {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/processing_fixed?seconds=-1      | 400 | greater than 0",
        "/processing_fixed?seconds=0       | 400 | greater than 0",
        "/processing_fixed?seconds=abc     | 400 | decimal number",
        "/processing_fixed?seconds=        | 400 | missing its value",
        "/processing_fixed?seconds=61      | 400 | at most 60",
        "/processing?seconds=NaN           | 400 | greater than 0",
        "/processing_busy?seconds=1e9      | 400 | at most 60",
        "/processing_fixed?fault=explode   | 400 | fault must be throw or stuck, got 'explode'",
        "/nowhere                          | 404 | no such path: /nowhere"})
    void badRequestGetsItsStatusAndSaysWhy(String path, int status, String why) throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url(path.trim())).GET().build());
        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.body()).contains(why.trim());
        assertHealthStillAnswers();
    }

    @ParameterizedTest(name = "server {0} {1} is refused: {2}")
    @CsvSource(delimiter = '|', value = {
        "--max-connections | 0   | --max-connections must be 1..1000000, got 0",
        "--header-timeout  | 0s  | --header-timeout must be positive, got PT0S",
        "--work-deadline   | 0s  | --work-deadline must be positive, got PT0S"})
    void badServerOptionIsRefusedNamingIt(String option, String value, String message) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> InProcessServer.start(option.trim(), value.trim()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message.trim());
    }

    @Test
    void withoutSecondsTheWorkLastsTheStorysSevenSeconds() throws Exception {
        // Parsed, not run: a 7 s request would only slow the suite down.
        ProcessingRequest request = ProcessingRequest.parse(
                new io.netty.handler.codec.http.QueryStringDecoder("/processing_fixed"), 60);
        assertThat(request.length()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void postIsNotAllowedAndTheAnswerSaysWhichMethodIs() throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/health"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.body()).contains("use GET");
        assertHealthStillAnswers();
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/health"))
                .header("X-Padding", "a".repeat(10_000)).GET().build());
        assertThat(answer.status()).isEqualTo(431);
        assertHealthStillAnswers();
    }

    @Test
    void oversizedBodyGets413() throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/health"))
                .method("GET", HttpRequest.BodyPublishers.ofString("b".repeat(100_000))).build());
        assertThat(answer.status()).isEqualTo(413);
        assertHealthStillAnswers();
    }

    @Test
    void overlongRequestLineGets414() throws Exception {
        Requests.Answer answer = Requests.get(HttpRequest.newBuilder(server.url("/health?pad=" + "p".repeat(5_000)))
                .GET().build());
        assertThat(answer.status()).isEqualTo(414);
        assertHealthStillAnswers();
    }

    @Test
    void malformedRequestLineGets400() throws Exception {
        assertThat(rawExchange("THIS IS NOT HTTP\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertHealthStillAnswers();
    }

    /** Sends raw bytes on a new connection and returns what came back before the server closed it. */
    static String rawExchange(String request) throws Exception {
        try (Socket socket = new Socket(server.base().getHost(), server.base().getPort())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static void assertHealthStillAnswers() throws Exception {
        ProbeOutcome health = HttpGetOnce.get(server.url("/health"), Duration.ofSeconds(1));
        assertThat(health.ok()).as("/health after the bad request").isTrue();
    }
}
