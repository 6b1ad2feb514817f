package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Act 1: one event loop under a kubelet in a box ({@code supervise}), a blocking request and a client that retries:
 * the crash loop; then the offload fix, four loops, a tuned probe.
 */
final class HttpStory extends Story {

    private static final String PERIOD = "500ms";
    private static final String TIMEOUT = "500ms";
    private static final double TIMEOUT_MS = 500;
    private static final String STALL_SECONDS = "3";
    /** The supervised acts: long enough that the restart comes before the request would have ended. */
    private static final String SUPERVISED_SECONDS = "5";
    /** A startup probe: liveness counts once a new server has answered, however long its JVM took to start. */
    private static final String STARTUP_TIMEOUT = "60s";
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
        terminal.heading("1a. http-demo under supervise, a kubelet in a box: one event loop, a request that sleeps "
                + SUPERVISED_SECONDS + " s on it, a liveness probe every " + PERIOD + " (" + TIMEOUT + " to answer,"
                + " restart after 3 failures). The restart kills the request; the client sends it again");
        String run = "blocking on the loop";
        Supervised bug = supervised("/processing", run);
        SummaryLine s = bug.supervise().summary();
        expect(s.getLong("restarts") >= 2, run, "restarts>=2 (the retried request restarts it again)", s);
        expect(bug.lost() == 2, run, "the request lost both times it was sent", bug.sends().get(0));
        expect(bug.supervise().lines().stream().anyMatch(l -> l.contains("STALL event loop")), run,
                "a STALL line from the server", s);
        chart.add(ProbeSeries.parse("/processing (sleeps on the event loop)", bug.supervise().lines(), TIMEOUT_MS));

        terminal.heading("1b. The fix, supervised the same way: the same sleep on a bounded worker pool; the loop"
                + " stays free for /health, nothing is restarted, the request is answered");
        run = "offloaded to workers";
        Supervised fix = supervised("/processing_fixed", run);
        s = fix.supervise().summary();
        expect(s.getLong("restarts") == 0 && s.getLong("failed") == 0, run, "restarts=0 failed=0", s);
        expect(fix.answered() == 1 && fix.lost() == 0, run, "the request answered", fix.sends().get(0));
        chart.add(ProbeSeries.parse("/processing_fixed (worker pool)", fix.supervise().lines(), TIMEOUT_MS));

        try (Server server = server(4)) {
            terminal.heading("1c. More event loops: four loops, the blocking request first. A connection stays on the"
                    + " loop it was dealt, so the probes dealt to that loop still fail, one in four");
            run = "4 loops, 1 blocking request";
            s = probeAfter(server, 1, run);
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
            run = "tuned probe (timeout 4s)";
            s = probeDuring(server, "/processing", "4s", run).summary();
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

    /** A supervised run: what supervise printed, and each time the client sent the request. */
    private record Supervised(DemoProcess supervise, List<SummaryLine> sends) {
        long lost() {
            return sends.stream().mapToLong(s -> s.getLong("lost")).sum();
        }

        long answered() {
            return sends.stream().mapToLong(s -> s.getLong("ok")).sum();
        }
    }

    /**
     * Runs the server under {@code supervise}, sends one request to {@code path} once the probe is green and, if it is
     * lost, once more when the restarted server answers again (as a Service sends a retry only to a ready pod), then
     * ends supervise once the server running then has answered a probe.
     */
    private Supervised supervised(String path, String run) throws Exception {
        int port = LoopbackPorts.free();
        int metricsPort = LoopbackPorts.free();
        String url = "http://127.0.0.1:" + port;
        List<String> args = new ArrayList<>(List.of("supervise", "--url", url + "/health", "--period", PERIOD,
                "--timeout", TIMEOUT, "--failure-threshold", "3", "--startup-timeout", STARTUP_TIMEOUT, "--grace", "1s",
                "--backoff", "1s", "--duration", "120s", "--",
                "java", "-XX:TieredStopAtLevel=1", "-jar",
                jar.toString(), "server", "--port", String.valueOf(port), "--event-loops", "1", "--metrics-port",
                String.valueOf(metricsPort)));
        List<SummaryLine> sends = new ArrayList<>();
        try (LeadTimes.Act act = leadTimes.begin("http: " + run, "http-demo",
                URI.create("http://127.0.0.1:" + metricsPort + "/metrics"), WATCHED);
             DemoProcess supervise = DemoProcess.start(terminal, "supervise", jar, args)) {
            supervise.awaitLines("PROBE ok", 2, Duration.ofSeconds(60));
            act.awaitFirstScrape();
            for (int send = 1; send <= 2; send++) {
                if (send == 2) {
                    terminal.note("(the client sends the lost request again, once the restarted server answers)");
                    awaitServerBack(supervise);
                }
                try (DemoProcess load = DemoProcess.start(terminal, "load", jar, List.of("load", "--url",
                        url + path + "?seconds=" + SUPERVISED_SECONDS, "--timeout", "90s"))) {
                    load.awaitExit(Duration.ofSeconds(100));
                    sends.add(load.summary());
                }
                if (sends.get(sends.size() - 1).getLong("lost") == 0) {
                    break;
                }
            }
            awaitServerBack(supervise);
            supervise.sigterm();
            supervise.awaitExit(Duration.ofSeconds(30));
            act.end(supervise.lines(), l -> l.contains("REQUEST /processing"), "restart",
                    l -> l.contains("SUPERVISE restart #"));
            table.supervised("http: " + run, supervise.summary(), sends);
            return new Supervised(supervise, sends);
        }
    }

    /** Waits until the server started after the last restart has answered a liveness probe. */
    private static void awaitServerBack(DemoProcess supervise) throws InterruptedException {
        int restarts = (int) supervise.count("SUPERVISE restart #");
        supervise.awaitLines("SUPERVISE started", restarts + 1, Duration.ofSeconds(60));
        supervise.awaitLines("PROBE ok", (int) supervise.count("PROBE ok") + 1, Duration.ofSeconds(60));
    }

    private Server server(int loops) throws Exception {
        int port = LoopbackPorts.free();
        int metricsPort = LoopbackPorts.free();
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
