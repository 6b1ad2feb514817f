package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Act 4: the same starvation inside Kafka Streams, four applications side by side on one broker (so the act takes about
 * as long as its longest run): the slow step in a processor under the classic and the streams (KIP-1071) protocol, the
 * tuned interval, and the split topology whose slow step runs in the offloading consumer.
 */
final class StreamsStory extends Story {

    private static final String RECORDS = "3";
    private static final String TOPIC = "streams-jobs";
    private static final String PROCESS_MS = "4000";
    private static final String INTERVAL_MS = "3000";
    /** Long enough for two fences of the naive applications, each about 4 s after the first assignment. */
    private static final String NAIVE_DURATION = "12s";

    private final LeadTimes leadTimes;

    StreamsStory(Terminal terminal, Path jar, Path out, RunTable table, List<String> broken, LeadTimes leadTimes) {
        super(terminal, jar, out, table, broken);
        this.leadTimes = leadTimes;
    }

    /** One application of the act: its label, its command line, and what its run must show. */
    private record App(String name, String row, List<String> args) {
    }

    /** Tells the act. */
    void tell() throws Exception {
        terminal.heading("4. kafka-demo streams: the same starvation inside Kafka Streams, " + RECORDS + " records x "
                + PROCESS_MS + " ms of CPU in a processor, main.consumer.max.poll.interval.ms " + INTERVAL_MS
                + "; four applications side by side on one KRaft broker in a child JVM");
        String bootstrap = "127.0.0.1:" + LoopbackPorts.free();
        try (DemoProcess broker = DemoProcess.start(terminal, "broker", jar,
                List.of("broker", "--port", bootstrap.substring(bootstrap.indexOf(':') + 1)))) {
            broker.awaitLine("BROKER ready", Duration.ofSeconds(60));
            int adminPort = LoopbackPorts.free();
            List<App> apps = List.of(
                    new App("naive-classic", "kafka streams: naive, classic", List.of("--mode", "naive",
                            "--protocol", "classic", "--duration", NAIVE_DURATION, "--admin-port",
                            String.valueOf(adminPort))),
                    new App("naive-kip1071", "kafka streams: naive, streams protocol", List.of("--mode", "naive",
                            "--protocol", "streams", "--duration", NAIVE_DURATION)),
                    new App("tuned", "kafka streams: tuned", List.of("--mode", "tuned", "--expect", RECORDS,
                            "--duration", "40s")),
                    new App("split", "kafka streams: split (the fix)", List.of("--mode", "split", "--workers", "2",
                            "--expect", RECORDS, "--duration", "40s")));
            // One input topic for all four: each application is a group of its own and reads every record.
            produce(bootstrap, TOPIC, RECORDS);
            terminal.heading("4a-d. Watch the naive ones: STALL naming SlowStep.process, HEALTH 503 while state() says"
                    + " RUNNING, FENCED, TASKS lost, the same record in the output again (DUPLICATE); tuned: no fence,"
                    + " at the price of a 10 s interval; split: the StreamThread keeps polling, every record once");
            URI metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
            List<DemoProcess> running = new ArrayList<>();
            try (LeadTimes.Act act = leadTimes.begin("kafka streams: naive", "kafka-demo", metrics,
                    List.of("kafka_consumer_last_poll_seconds_ago"))) {
                for (App app : apps) {
                    List<String> args = new ArrayList<>(List.of("streams", "--bootstrap-servers", bootstrap,
                            "--connect-timeout", "30s", "--topic", TOPIC, "--output-topic", app.name() + ".out",
                            "--application-id", "streams-" + app.name(), "--process-ms", PROCESS_MS,
                            "--max-poll-interval-ms", INTERVAL_MS));
                    args.addAll(app.args());
                    running.add(DemoProcess.start(terminal, "streams " + app.name(), jar, args));
                }
                for (DemoProcess p : running) {
                    p.awaitExit(Duration.ofSeconds(90));
                }
                DemoProcess naive = running.get(0);
                act.end(naive.lines(), l -> l.contains(" TASKS assigned "), "fenced",
                        l -> l.contains("poll timeout has expired") || l.contains(" FENCED "));
                check(apps, running);
            } finally {
                for (DemoProcess p : running) {
                    p.close();
                }
            }
        }
    }

    private void check(List<App> apps, List<DemoProcess> running) throws InterruptedException {
        for (int i = 0; i < apps.size(); i++) {
            App app = apps.get(i);
            SummaryLine s = running.get(i).summary();
            table.streams(app.row(), s);
            if (app.name().startsWith("naive")) {
                expect(s.getLong("fenced") > 0 && s.getLong("distinct_output") < s.getLong("records"), app.row(),
                        "fenced>0 distinct_output<records", s);
            } else if (app.name().equals("split")) {
                expect(s.getLong("fenced") == 0 && s.getLong("duplicates") == 0 && s.get("distinct_output")
                        .equals(RECORDS), app.row(), "fenced=0 duplicates=0 distinct_output=" + RECORDS, s);
            } else {
                expect(s.getLong("fenced") == 0 && s.get("distinct_output").equals(RECORDS), app.row(),
                        "fenced=0 distinct_output=" + RECORDS, s);
            }
        }
        DemoProcess naive = running.get(0);
        boolean unhealthyWhileRunning = naive.lines().stream()
                .anyMatch(l -> l.contains("HEALTH 503") && l.contains("(state() RUNNING)"));
        expect(unhealthyWhileRunning, apps.get(0).row(), "a HEALTH 503 line while state() RUNNING",
                running.get(0).summary());
    }
}
