package dev.starvation.vthreads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.Cli;
import dev.starvation.common.SummaryLine;
import dev.starvation.vthreads.server.ServerConfig;
import dev.starvation.vthreads.server.VthreadsServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Bad parameters get a 400 naming them, bad options an error naming them, and SIGTERM a SUMMARY and exit 0. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadParametersAndOptionsTest {

    private VthreadsServer server;

    @BeforeAll
    void startServer() throws Exception {
        server = new VthreadsServer(new ServerConfig("127.0.0.1", 0, 1, 0, Duration.ofMillis(200)));
        server.start();
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/cpu                 | missing parameter ms",
        "/cpu?ms=abc          | ms must be whole milliseconds, 1 to 60000, got 'abc'",
        "/cpu?ms=0            | ms must be 1 to 60000 ms, got 0",
        "/cpu_fixed?ms=600000 | ms must be 1 to 60000 ms, got 600000",
        "/cpu_yielding?ms=-5  | ms must be 1 to 60000 ms, got -5",
        "/sleep?seconds=0     | seconds must be 0 < seconds <= 60, got 0",
        "/sleep?seconds=NaN   | seconds must be 0 < seconds <= 60, got NaN",
        "/sleep?seconds=x     | seconds must be a number of seconds"})
    void badParametersGet400NamingTheParameter(String path, String message) throws Exception {
        long before = server.summary().getLong("bad_requests");
        HttpResponse<String> answer = Load.send(URI.create("http://127.0.0.1:" + server.port() + path), 1)
                .answers().get(0);
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains(message);
        assertThat(server.summary().getLong("bad_requests")).isEqualTo(before + 1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--cpu-workers 0   | --cpu-workers must be at least 1, got 0",
        "--queue -1        | --queue must be 0 or more, got -1",
        "--port 70000      | --port must be 0..65535, got 70000",
        "--stall-limit 0s  | --stall-limit must be positive"})
    void badOptionsFailNamingTheOption(String options, String message) {
        StringWriter err = new StringWriter();
        CommandLine cl = Cli.commandLine(new VthreadsDemo());
        cl.setErr(new PrintWriter(err, true));
        String[] args = ("server " + options).split(" ");
        assertThat(cl.execute(args)).isEqualTo(Cli.FAILED);
        assertThat(err.toString()).contains("ERROR server: " + message);
    }

    @Test
    void sigtermStopsTheServerWithExitZeroAndASummaryOfWhatItServed() throws Exception {
        try (VthreadsServerProcess server = VthreadsServerProcess.start()) {
            Load.send(server.uri("/sleep?seconds=0.1"), 1).answers();
            Load.send(server.uri("/cpu?ms=nope"), 1).answers();
            server.sigterm();
            assertThat(server.awaitExit(Duration.ofSeconds(30))).isZero();
            String line = server.lines().stream().filter(l -> l.contains("SUMMARY ")).findFirst().orElseThrow();
            SummaryLine summary = SummaryLine.parse(line);
            assertThat(summary.getLong("sleep")).isEqualTo(1);
            assertThat(summary.getLong("bad_requests")).isEqualTo(1);
            assertThat(summary.getLong("parallelism")).isEqualTo(VthreadsServerProcess.CARRIERS);
            assertThat(server.lines()).anyMatch(l -> l.contains("scheduler parallelism 2 carriers"));
        }
    }
}
