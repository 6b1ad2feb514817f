package dev.starvation.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.starvation.common.LogCapture;
import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.RefusingPort;
import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.consume.BrokerExtension;
import dev.starvation.kafka.consume.Fixture;
import dev.starvation.kafka.consume.KafkaProbe;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The jar's commands as a user runs them: what they print, what they create, and how they refuse bad input. */
class KafkaDemoCommandTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return KafkaDemo.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void unknownModeIsRefusedWithTheChoices() {
        assertThat(run("consume", "--mode", "eager")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--mode'").contains("eager")
                .containsIgnoringCase("naive").containsIgnoringCase("offload");
    }

    @Test
    void negativeNumbersAreRefusedNamingTheOption() {
        assertThat(run("consume", "--process-ms", "-5")).isEqualTo(1);
        assertThat(run("consume", "--workers", "0")).isEqualTo(1);
        assertThat(run("consume", "--expect", "-1")).isEqualTo(1);
        assertThat(run("produce", "--count", "-1")).isEqualTo(1);
        assertThat(err.toString().lines().toList()).containsExactly(
                "ERROR consume: --process-ms must not be negative, got -5",
                "ERROR consume: --workers must be at least 1, got 0",
                "ERROR consume: --expect must not be negative, got -1",
                "ERROR produce: --count must not be negative, got -1");
    }

    @Test
    void failureHandlingOptionsOutOfRangeAreRefusedNamingTheOption() {
        assertThat(run("consume", "--max-attempts", "0")).isEqualTo(1);
        assertThat(run("consume", "--record-deadline", "0s")).isEqualTo(1);
        assertThat(run("consume", "--dlt-timeout", "10ms")).isEqualTo(1);
        assertThat(run("consume", "--admin-port", "70000")).isEqualTo(1);
        assertThat(err.toString().lines().toList()).containsExactly(
                "ERROR consume: --max-attempts must be at least 1, got 0",
                "ERROR consume: --record-deadline must be positive, got 0ms",
                "ERROR consume: --dlt-timeout must be at least 100ms, got 10ms",
                "ERROR consume: --admin-port must be between 0 and 65535, got 70000");
    }

    @Test
    void consumeServesHealthAndReadyOnTheAdminPortWhileItRuns() throws Exception {
        String topic = Fixture.unique("admin");
        // 20 records of 300 ms on one worker: the admin port is up for 6 s of work, long enough to be seen on a busy
        // machine (with 4 the consumer could be done before the first answer came back).
        run("produce", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--count", "20");
        int port = LoopbackPorts.free();
        URI ready = URI.create("http://127.0.0.1:" + port + "/ready");
        URI health = URI.create("http://127.0.0.1:" + port + "/health");
        java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> run("consume", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--mode",
                        "offload", "--process-ms", "300", "--expect", "20", "--workers", "1", "--duration", "30s",
                        "--admin-port", String.valueOf(port)));

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> status(ready) == 200);
        assertThat(status(health)).isEqualTo(200);
        assertThat(exit.get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
        assertThatThrownBy(() -> status(health)).as("the admin endpoints close with the consumer")
                .isInstanceOf(java.net.ConnectException.class);
    }

    private static int status(URI uri) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void adminPortInAShareModeIsRefusedRatherThanLeftUnserved() {
        assertThat(run("consume", "--mode", "share-renew", "--admin-port", "8081")).isEqualTo(1);
        assertThat(err.toString().lines().toList()).containsExactly("ERROR consume: --admin-port is not served in"
                + " --mode share-renew yet: share members report stuck workers in CAPACITY lines and the SUMMARY"
                + " (stuck_workers=)");
    }

    @Test
    void unreachableBrokerIsReportedOnceTheConnectTimeoutHasPassedInsteadOfRetriedForEver() throws IOException {
        try (RefusingPort nobody = RefusingPort.open()) {
            String address = nobody.address();
            long start = System.nanoTime();
            // Bounded so that a client retrying for ever fails the test; how long past the 1 s the JVM takes to start
            // the client and print the error is the machine's business.
            int code = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> run("consume", "--bootstrap-servers",
                    address, "--connect-timeout", "1s", "--mode", "offload"));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(code).isEqualTo(1);
            assertThat(tookMs).as("it waited the connect timeout out before giving up").isGreaterThanOrEqualTo(1_000);
            assertThat(err.toString()).startsWith("ERROR consume: broker unreachable at " + address
                    + ": no answer within 1000 ms");
        }
    }

    @Test
    void produceCreatesTheTopicWithItsPartitionsAndCountZeroSendsNothing() throws Exception {
        String topic = Fixture.unique("created");
        assertThat(run("produce", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--count", "0",
                "--partitions", "4")).isEqualTo(0);
        assertThat(run("produce", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic + "-full",
                "--count", "7")).isEqualTo(0);
        try (KafkaProbe probe = new KafkaProbe(BROKER.bootstrapServers())) {
            assertThat(probe.endOffsets(topic)).hasSize(4).allSatisfy((tp, end) -> assertThat(end).isZero());
            assertThat(probe.endOffsets(topic + "-full")).containsExactlyEntriesOf(
                    java.util.Map.of(new TopicPartition(topic + "-full", 0), 7L));
            assertThat(probe.readAll(topic + "-full", 7)).extracting(r -> r.key())
                    .containsExactly("job-0", "job-1", "job-2", "job-3", "job-4", "job-5", "job-6");
        }
    }

    @Test
    void consumeEndsWithExactlyOneSummaryLineAndWritesOneCsvLinePerPoll(@TempDir Path dir) throws IOException {
        String topic = Fixture.unique("cli");
        Path gaps = dir.resolve("gaps.csv");
        run("produce", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--count", "4");
        try (LogCapture log = LogCapture.start()) {
            int code = run("consume", "--bootstrap-servers", BROKER.bootstrapServers(), "--topic", topic, "--mode",
                    "offload", "--process-ms", "200", "--expect", "4", "--duration", "30s", "--poll-gaps",
                    gaps.toString());

            assertThat(code).isEqualTo(0);
            List<String> summaries = log.linesStartingWith("SUMMARY");
            assertThat(summaries).hasSize(1);
            SummaryLine summary = SummaryLine.parse(summaries.get(0));
            assertThat(summary.get("mode")).isEqualTo("offload");
            assertThat(summary.get("protocol")).isEqualTo("classic");
            assertThat(summary.getLong("records")).isEqualTo(4);
            assertThat(summary.getLong("committed")).isEqualTo(4);
            assertThat(summary.getLong("duplicates")).isZero();
        }
        List<String> csv = Files.readAllLines(gaps);
        assertThat(csv.get(0)).isEqualTo("elapsed_ms,gap_ms");
        assertThat(csv.subList(1, csv.size())).isNotEmpty().allMatch(line -> line.matches("\\d+,\\d+"));
    }
}
