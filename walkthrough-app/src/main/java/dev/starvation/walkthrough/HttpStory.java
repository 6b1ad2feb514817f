package dev.starvation.walkthrough;

import dev.starvation.common.SummaryLine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Act 1: one event loop, a blocking request and a liveness probe; then the offload fix, four loops, a tuned probe. */
final class HttpStory extends Story {

    private static final String PERIOD = "500ms";
    private static final String TIMEOUT = "500ms";
    private static final double TIMEOUT_MS = 500;
    private static final String STALL_SECONDS = "3";
    /** Long enough to cover a probe JVM's start and eight probes. */
    private static final String LONG_STALL_SECONDS = "6";

    /** What the lead-time table watches in each act: the loop's stall gauge and its lag. */
    private static final List<String> WATCHED = List.of("event_loop_stall_seconds", "event_loop_lag_seconds_max");

    /** A server child process, where it listens, and where its metrics answer during a stall. */
    private record Server(DemoProcess process, String url, URI metrics) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.close();
        }
    }

    private final LeadTimes leadTimes;

    HttpStory(Terminal terminal, Path jar, Path out, RunTable table, List<String> broken, LeadTimes leadTimes) {
        super(terminal, jar, out, table, broken);
        this.leadTimes = leadTimes;
    }

    /** Tells the act and returns the probe-latency chart. */
    Path tell() throws Exception {
        List<ProbeSeries> chart = new ArrayList<>();
        try (Server server = server(1)) {
            terminal.heading("1a. http-demo, one event loop: a request sleeps " + STALL_SECONDS
                    + " s on the loop while a liveness probe runs (every " + PERIOD + ", " + TIMEOUT
                    + " to answer, restart after 3 failures)");
            String run = "blocking on the loop";
            DemoProcess bug = probeDuring(server, "/processing", TIMEOUT, run);
            SummaryLine s = bug.summary();
            expect(s.get("restart").equals("yes"), run, "restart=yes", s);
            expect(server.process().lines().stream().anyMatch(l -> l.contains("STALL")), run,
                    "a STALL line from the server", s);
            chart.add(ProbeSeries.parse("/processing (sleeps on the event loop)", bug.lines(), TIMEOUT_MS));

            terminal.heading("1b. The fix: the same sleep on a bounded worker pool; the loop stays free for /health");
            run = "offloaded to workers";
            DemoProcess fix = probeDuring(server, "/processing_fixed", TIMEOUT, run);
            s = fix.summary();
            expect(s.getLong("failed") == 0, run, "failed=0", s);
            chart.add(ProbeSeries.parse("/processing_fixed (worker pool)", fix.lines(), TIMEOUT_MS));
        }
        try (Server server = server(4)) {
            terminal.heading("1c. More event loops: four loops, the blocking request first. A connection stays on the"
                    + " loop it was dealt, so the probes dealt to that loop still fail, one in four");
            String run = "4 loops, 1 blocking request";
            SummaryLine s = probeAfter(server, 1, run);
            expect(s.getLong("failed") > 0 && s.get("restart").equals("no"), run, "some failures, restart=no", s);

            terminal.heading("1c'. Four blocking requests on four loops, the accepting loop included: every probe"
                    + " fails again. More loops only move the limit from one slow request to four");
            run = "4 loops, 4 blocking requests";
            s = probeAfter(server, 4, run);
            expect(s.get("restart").equals("yes"), run, "restart=yes", s);
        }
        try (Server server = server(1)) {
            terminal.heading("1d. Tuning the probe instead: a timeout longer than the stall hides it"
                    + " (and a truly hung pod is noticed later)");
            String run = "tuned probe (timeout 4s)";
            SummaryLine s = probeDuring(server, "/processing", "4s", run).summary();
            expect(s.get("restart").equals("no"), run, "restart=no", s);
        }
        return Charts.probeLatency(out.resolve("probe-latency.png"), chart, TIMEOUT_MS);
    }

    /**
     * Fires {@code requests} blocking requests first and probes once the server has them all, so which loops they hold
     * is known: the server channel took loop 0 and connections are dealt round-robin from loop 1.
     */
    private SummaryLine probeAfter(Server server, int requests, String run) throws Exception {
        long before = server.process().lines().stream().filter(l -> l.contains("REQUEST /processing")).count();
        int mark = server.process().lines().size();
        try (LeadTimes.Act act = leadTimes.begin("http: " + run, "http-demo", server.metrics(), WATCHED);
             DemoProcess load = startLoad(act, server.url() + "/processing?seconds=" + LONG_STALL_SECONDS, requests)) {
            server.process().awaitLines("REQUEST /processing", (int) before + requests, Duration.ofSeconds(30));
            DemoProcess probe = DemoProcess.start(terminal, "probe", jar, List.of("probe", "--url",
                    server.url() + "/health", "--period", PERIOD, "--timeout", TIMEOUT, "--failure-threshold", "3",
                    "--count", "8"));
            probe.awaitExit(Duration.ofSeconds(60));
            load.awaitExit(Duration.ofSeconds(30));
            SummaryLine s = probe.summary();
            table.probe("http: " + run, s);
            endAct(act, server, mark, probe);
            return s;
        }
    }

    private Server server(int loops) throws Exception {
        int port = freePort();
        int metricsPort = freePort();
        DemoProcess process = DemoProcess.start(terminal, "server", jar, List.of("server", "--port",
                String.valueOf(port), "--event-loops", String.valueOf(loops), "--metrics-port",
                String.valueOf(metricsPort)));
        process.awaitLine("SERVER listening", Duration.ofSeconds(30));
        return new Server(process, "http://127.0.0.1:" + port,
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics"));
    }

    /** Starts a probe, fires one request at {@code path} once the probe is green, and waits for the probe's verdict. */
    private DemoProcess probeDuring(Server server, String path, String timeout, String run) throws Exception {
        DemoProcess probe = DemoProcess.start(terminal, "probe", jar, List.of("probe", "--url",
                server.url() + "/health", "--period", PERIOD, "--timeout", timeout, "--failure-threshold", "3",
                "--count", "14"));
        probe.awaitLines("PROBE ok", 2, Duration.ofSeconds(30));
        int mark = server.process().lines().size();
        try (LeadTimes.Act act = leadTimes.begin("http: " + run, "http-demo", server.metrics(), WATCHED);
             DemoProcess load = startLoad(act, server.url() + path + "?seconds=" + STALL_SECONDS, 1)) {
            probe.awaitExit(Duration.ofSeconds(60));
            load.awaitExit(Duration.ofSeconds(30));
            endAct(act, server, mark, probe);
        }
        table.probe("http: " + run, probe.summary());
        return probe;
    }

    /** Fires the slow requests once Prometheus watches the server. */
    private DemoProcess startLoad(LeadTimes.Act act, String url, int requests) throws Exception {
        act.awaitFirstScrape();
        return DemoProcess.start(terminal, "load", jar, List.of("load", "--url", url, "--requests",
                String.valueOf(requests)));
    }

    /** The act's row of the lead-time table, from the server's lines since the act began and the probe's. */
    private static void endAct(LeadTimes.Act act, Server server, int mark, DemoProcess probe) throws Exception {
        List<String> lines = new ArrayList<>(server.process().lines());
        lines = new ArrayList<>(lines.subList(mark, lines.size()));
        lines.addAll(probe.lines());
        act.end(lines, l -> l.contains("REQUEST /processing"), "probe RESTART", l -> l.contains("PROBE RESTART"));
    }
}
