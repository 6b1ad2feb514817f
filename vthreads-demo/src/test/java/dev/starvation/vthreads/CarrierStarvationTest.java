package dev.starvation.vthreads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.SummaryLine;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The story on a scheduler of two carriers, judged by the kubelet-faithful probe: CPU-bound requests on every carrier
 * starve {@code /health}, blocking ones do not, the platform pool fixes it, and yielding does not. One server for the
 * class; each scenario waits for its own requests to end and reads only its own lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CarrierStarvationTest {

    private static final Duration PERIOD = Duration.ofMillis(500);
    private static final Duration ONE_SECOND = Duration.ofSeconds(1);

    private VthreadsServerProcess server;

    @BeforeAll
    void startServer() throws Exception {
        // Two platform workers and no queue: the third /cpu_fixed request finds the pool full.
        server = VthreadsServerProcess.start("--cpu-workers", "2", "--queue", "0");
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void twoCpuBoundRequestsOnTwoCarriersMakeTheProbeFailThreeTimesInARowAndStallNamesTheCpuMethod() throws Exception {
        int mark = server.mark();
        Load load = sendAndAwaitStart("/cpu?ms=5000", "REQUEST /cpu ms=", 2);
        SummaryLine probe = Probing.start(server.uri("/health"), PERIOD, ONE_SECOND, 6).summary();
        load.answers();

        assertThat(probe.getLong("max_consecutive_failures")).as(probe.toString()).isGreaterThanOrEqualTo(3);
        assertThat(probe.get("restart")).isEqualTo("yes");
        String stall = stallReport(mark);
        assertThat(stall).contains("carriers busy for")
                .contains("dev.starvation.common.CpuWork.burn")
                .contains("dev.starvation.vthreads.server.CpuServlet.work");
    }

    @Test
    void twentySleepingRequestsUnmountAndEveryProbeAnswersWithin200ms() throws Exception {
        Load load = sendAndAwaitStart("/sleep?seconds=4", "REQUEST /sleep seconds=", 20);
        SummaryLine probe = Probing.start(server.uri("/health"), PERIOD, Duration.ofMillis(200), 6).summary();
        List<HttpResponse<String>> answers = load.answers();

        assertThat(probe.getLong("failed")).as(probe.toString()).isZero();
        assertThat(probe.getLong("ok")).isEqualTo(6);
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isEqualTo(200));
    }

    @Test
    void cpuWorkOnThePlatformPoolLeavesEveryProbeAnsweredAndAFullPoolAnswers503WithRetryAfterAtOnce()
            throws Exception {
        Load load = sendAndAwaitStart("/cpu_fixed?ms=5000", "REQUEST /cpu_fixed ms=", 2);
        Probing probing = Probing.start(server.uri("/health"), PERIOD, ONE_SECOND, 6);

        HttpResponse<String> ready = load.getOnce(server.uri("/ready"));
        long start = System.nanoTime();
        HttpResponse<String> refused = load.getOnce(server.uri("/cpu_fixed?ms=5000"));
        long refusedAfterMillis = (System.nanoTime() - start) / 1_000_000;
        SummaryLine probe = probing.summary();
        List<HttpResponse<String>> answers = load.answers();

        assertThat(probe.getLong("failed")).as(probe.toString()).isZero();
        assertThat(answers).allSatisfy(a -> assertThat(a.statusCode()).isEqualTo(200));
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
        // At once, not after the 5 s of work it would have waited for (the 50 ms is bench/vthreads.sh's).
        assertThat(refusedAfterMillis).as("503 after %d ms", refusedAfterMillis).isLessThan(1_000);
        assertThat(ready.statusCode()).as("/ready while the pool is full").isEqualTo(503);
    }

    /**
     * Measured on 2 carriers (docs/vthreads.md): with Thread.yield() every 25 us, the first probes still time out, in
     * every run; later ones may pass. A yielded virtual thread goes back to a queue its carrier drains first.
     */
    @Test
    void yieldingEveryTwentyFiveMicrosecondsStillTimesTheProbeOutAndTheStallIsReported() throws Exception {
        int mark = server.mark();
        Load load = sendAndAwaitStart("/cpu_yielding?ms=5000", "REQUEST /cpu_yielding ms=", 2);
        SummaryLine probe = Probing.start(server.uri("/health"), PERIOD, ONE_SECOND, 6).summary();
        load.answers();

        assertThat(probe.getLong("failed")).as(probe.toString()).isGreaterThanOrEqualTo(1);
        assertThat(stallReport(mark)).contains("dev.starvation.vthreads.server.CpuServlet.work");
    }

    /** Sends {@code n} requests and waits until the server has started every one of them. */
    private Load sendAndAwaitStart(String pathAndQuery, String requestLine, int n) throws InterruptedException {
        int before = (int) server.count(requestLine);
        Load load = Load.send(server.uri(pathAndQuery), n);
        server.awaitLines(requestLine, before + n, Duration.ofSeconds(30));
        return load;
    }

    /** The first STALL report of the scheduler since {@code mark}, with the stack lines under it. */
    private String stallReport(int mark) {
        List<String> lines = server.linesSince(mark);
        StringBuilder report = new StringBuilder();
        boolean in = false;
        for (String line : lines) {
            if (line.contains("STALL virtual-thread scheduler")) {
                in = report.isEmpty();
            } else if (!line.startsWith("\t") && !line.startsWith("dev.starvation.common.StallWatchdog")) {
                in = false;
            }
            if (in) {
                report.append(line).append('\n');
            }
        }
        assertThat(report).as("a STALL virtual-thread scheduler line since the scenario began").isNotEmpty();
        return report.toString();
    }
}
