package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Act 4: embedded Tomcat with every request on a virtual thread (JDK 21+), under {@code supervise}: CPU-bound requests
 * on every carrier restart it, twenty sleeping ones do not, the platform pool fixes it, and more carriers only move the
 * threshold. Each run is 4 s of work: four supervised runs fit the act's 40 s budget on 2 cores.
 */
final class VthreadsStory extends Story {

    private static final String PERIOD = "500ms";
    private static final String TIMEOUT = "500ms";
    private static final double TIMEOUT_MS = 500;
    /** Long enough for the restart verdict (3 probes, about 1.5 s) and for 8 green probes in the fine runs. */
    private static final int WORK_SECONDS = 4;
    private static final String STARTUP_TIMEOUT = "60s";

    private final Path vthreadsJar;
    private final Path java;

    /** {@code jar} is the http-demo's (supervise and load); {@code java} a JDK 21+ for the vthreads-demo jar. */
    VthreadsStory(Terminal terminal, Path jar, Path vthreadsJar, Path java, Path out, RunTable table,
            List<String> broken) {
        super(terminal, jar, out, table, broken);
        this.vthreadsJar = vthreadsJar;
        this.java = java;
    }

    /** Tells the act and returns its probe-latency chart. */
    Path tell() throws Exception {
        List<ProbeSeries> chart = new ArrayList<>();
        terminal.heading("6a. vthreads-demo: Tomcat with every request on a virtual thread (what Spring Boot's"
                + " spring.threads.virtual.enabled does), 2 carriers, under supervise. Two requests compute "
                + WORK_SECONDS + " s each on their virtual threads: both carriers are held, /health waits for one");
        String run = "vthreads: 2 x /cpu, 2 carriers";
        Supervised cpu = supervised(2, "/cpu?ms=" + WORK_SECONDS * 1000, 2, run);
        SummaryLine s = cpu.summary();
        expect(s.getLong("restarts") >= 1, run, "restarts>=1", s);
        expect(cpu.sawLine("STALL virtual-thread scheduler"), run, "a STALL virtual-thread scheduler line", s);
        chart.add(ProbeSeries.parse("/cpu (computes on the virtual thread)", cpu.lines(), TIMEOUT_MS));

        terminal.heading("6b. Twenty requests that sleep " + WORK_SECONDS + " s on their virtual threads: a sleeping"
                + " virtual thread unmounts and frees its carrier, so /health is answered at once");
        run = "vthreads: 20 x /sleep";
        Supervised sleep = supervised(2, "/sleep?seconds=" + WORK_SECONDS, 20, run);
        s = sleep.summary();
        expect(s.getLong("restarts") == 0 && s.getLong("failed") == 0, run, "restarts=0 failed=0", s);
        chart.add(ProbeSeries.parse("/sleep x 20 (unmounts)", sleep.lines(), TIMEOUT_MS));

        terminal.heading("6c. The fix: the same CPU work on a bounded pool of platform threads (--cpu-workers), the"
                + " virtual thread only waits for it. The kernel preempts platform threads; the carriers stay free");
        run = "vthreads: 2 x /cpu_fixed";
        Supervised fixed = supervised(2, "/cpu_fixed?ms=" + WORK_SECONDS * 1000, 2, run);
        s = fixed.summary();
        expect(s.getLong("restarts") == 0 && s.getLong("failed") == 0, run, "restarts=0 failed=0", s);
        chart.add(ProbeSeries.parse("/cpu_fixed (platform pool)", fixed.lines(), TIMEOUT_MS));

        terminal.heading("6d. More carriers (-Djdk.virtualThreadScheduler.parallelism=4) and four CPU requests: more"
                + " carriers move the threshold, they do not remove it");
        run = "vthreads: 4 x /cpu, 4 carriers";
        Supervised four = supervised(4, "/cpu?ms=" + WORK_SECONDS * 1000, 4, run);
        s = four.summary();
        expect(s.getLong("restarts") >= 1, run, "restarts>=1", s);
        return Charts.probeLatency(out.resolve("vthreads-probe-latency.png"), chart, TIMEOUT_MS,
                "Liveness probe latency on virtual threads: /cpu vs /sleep vs /cpu_fixed");
    }

    /** A supervised run: supervise's lines and SUMMARY. */
    private record Supervised(DemoProcess supervise, SummaryLine summary) {
        List<String> lines() {
            return supervise.lines();
        }

        boolean sawLine(String text) {
            return supervise.count(text) > 0;
        }
    }

    /**
     * Runs the vthreads server on {@code carriers} carriers under {@code supervise}, sends {@code requests} concurrent
     * GETs to {@code pathAndQuery} once the probe is green, waits for them to be answered or lost, then ends supervise.
     */
    private Supervised supervised(int carriers, String pathAndQuery, int requests, String run) throws Exception {
        int port = LoopbackPorts.free();
        String url = "http://127.0.0.1:" + port;
        List<String> args = new ArrayList<>(List.of("supervise", "--url", url + "/health", "--period", PERIOD,
                "--timeout", TIMEOUT, "--failure-threshold", "3", "--startup-timeout", STARTUP_TIMEOUT, "--grace", "1s",
                "--backoff", "1s", "--duration", "60s", "--",
                java.toString(), "-XX:TieredStopAtLevel=1", "-Djdk.virtualThreadScheduler.parallelism=" + carriers,
                "-jar", vthreadsJar.toString(), "server", "--port", String.valueOf(port),
                "--cpu-workers", String.valueOf(carriers)));
        List<SummaryLine> sends = new ArrayList<>();
        try (DemoProcess supervise = DemoProcess.start(terminal, "supervise", jar, args)) {
            supervise.awaitLines("PROBE ok", 2, Duration.ofSeconds(60));
            try (DemoProcess load = DemoProcess.start(terminal, "load", jar, List.of("load", "--url",
                    url + pathAndQuery, "--requests", String.valueOf(requests), "--timeout", "30s"))) {
                load.awaitExit(Duration.ofSeconds(60));
                sends.add(load.summary());
            }
            if (supervise.count("SUPERVISE restart #") == 0) {
                // Nothing restarted: one more green probe after the work, then stop. After a restart the act has
                // shown what it came for, and waiting for the new JVM would only spend the act's budget.
                supervise.awaitLines("PROBE ok", (int) supervise.count("PROBE ok") + 1, Duration.ofSeconds(60));
            }
            supervise.sigterm();
            supervise.awaitExit(Duration.ofSeconds(30));
            SummaryLine summary = supervise.summary();
            table.supervised(run, summary, sends);
            return new Supervised(supervise, summary);
        }
    }
}
