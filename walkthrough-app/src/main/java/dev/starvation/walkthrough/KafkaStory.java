package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Act 2: an embedded broker; the naive consumer thrown out of its group, the offloading fix, the tuned loop. */
final class KafkaStory extends Story {

    private static final String RECORDS = "5";
    private static final String PROCESS_MS = "1500";
    private static final double MAX_POLL_INTERVAL_MS = 3000;

    /** What the lead-time table and the poll-metrics chart watch in each act. */
    private static final List<String> WATCHED = List.of("kafka_consumer_last_poll_seconds_ago",
            "kafka_consumer_time_between_poll_max_seconds", "consumer_poll_stall_seconds");

    private final LeadTimes leadTimes;
    private List<MetricsScraper.Point> naivePoints = List.of();

    KafkaStory(Terminal terminal, Path jar, Path out, RunTable table, List<String> broken, LeadTimes leadTimes) {
        super(terminal, jar, out, table, broken);
        this.leadTimes = leadTimes;
    }

    /** The chart of the naive act's two poll metrics, scraped every 500 ms. */
    Path pollMetricsChart() throws java.io.IOException {
        return Charts.pollMetrics(out.resolve("poll-metrics.png"), naivePoints, MAX_POLL_INTERVAL_MS);
    }

    /** Tells the act and returns the poll-gap chart. */
    Path tell() throws Exception {
        List<PollGaps> chart = new ArrayList<>();
        terminal.heading("2. kafka-demo: a real single-node KRaft broker, started in a child JVM");
        String bootstrap = "127.0.0.1:" + LoopbackPorts.free();
        try (DemoProcess broker = DemoProcess.start(terminal, "broker", jar,
                List.of("broker", "--port", bootstrap.substring(bootstrap.indexOf(':') + 1)))) {
            broker.awaitLine("BROKER ready", Duration.ofSeconds(60));

            terminal.heading("2a. Naive consumer: " + RECORDS + " records x " + PROCESS_MS + " ms of CPU inside the poll"
                    + " loop, max.poll.interval.ms " + (long) MAX_POLL_INTERVAL_MS + ". Watch STALL, the member thrown"
                    + " out, COMMIT failed, and the same records processed again");
            SummaryLine naive = consume(bootstrap, "naive", List.of("--duration", "14s"), chart);
            expect(naive.getLong("rebalances") > 0, "kafka: naive", "rebalances>0", naive);

            terminal.heading("2b. The fix: workers process, the poll thread pauses the busy partition and keeps"
                    + " polling, and commits only what is done");
            SummaryLine offload = consume(bootstrap, "offload", List.of("--expect", RECORDS, "--duration", "40s"),
                    chart);
            expect(offload.getLong("rebalances") == 0 && offload.getLong("duplicates") == 0, "kafka: offload",
                    "rebalances=0 duplicates=0", offload);

            terminal.heading("2c. The mitigation: tune max.poll.records and max.poll.interval.ms so one batch fits"
                    + " (slower failure detection, tiny batches)");
            SummaryLine tuned = consume(bootstrap, "tuned", List.of("--expect", RECORDS, "--duration", "40s"), null);
            expect(tuned.getLong("rebalances") == 0, "kafka: tuned", "rebalances=0", tuned);
        }
        return Charts.pollGaps(out.resolve("poll-gaps.png"), chart, MAX_POLL_INTERVAL_MS);
    }

    /** Produces the records to a topic of the mode's own, then runs one consumer on it until it stops by itself. */
    private SummaryLine consume(String bootstrap, String mode, List<String> stop, List<PollGaps> chart)
            throws Exception {
        String topic = mode + "-jobs";
        produce(bootstrap, topic, RECORDS);
        Path gaps = out.resolve(mode + "-poll-gaps.csv").toAbsolutePath();
        int adminPort = LoopbackPorts.free();
        List<String> args = new ArrayList<>(List.of("consume", "--bootstrap-servers", bootstrap, "--topic", topic,
                "--group", mode + "-group", "--mode", mode, "--process-ms", PROCESS_MS,
                "--max-poll-interval-ms", String.valueOf((long) MAX_POLL_INTERVAL_MS), "--poll-gaps", gaps.toString(),
                "--admin-port", String.valueOf(adminPort)));
        args.addAll(stop);
        URI metrics = URI.create("http://127.0.0.1:" + adminPort + "/metrics");
        try (LeadTimes.Act act = leadTimes.begin("kafka: " + mode, "kafka-demo", metrics, WATCHED);
             DemoProcess consumer = DemoProcess.start(terminal, mode, jar, args)) {
            consumer.awaitExit(Duration.ofSeconds(90));
            act.end(consumer.lines(), l -> l.contains(" BATCH "), "group kick",
                    l -> l.contains("poll timeout has expired") || l.contains("LOST [")
                            || (l.contains("REVOKED [") && !l.contains("(closing)")));
            if (mode.equals("naive")) {
                naivePoints = act.points();
            }
            SummaryLine s = consumer.summary();
            table.consumer("kafka: " + mode, s);
            if (chart != null) {
                chart.add(PollGaps.read(mode + " consumer", gaps));
            }
            return s;
        }
    }
}
