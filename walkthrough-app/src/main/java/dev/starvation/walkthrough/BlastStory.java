package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Act 4: one member of four starved for 7 s, and what it does to the three healthy ones under the eager, cooperative
 * and KIP-848 setups, side by side; then eager again with 2 s batches. Both blast runs share one broker and run at the
 * same time (their work per record is a sleep, so they fit on two cores): the act lasts one run, not two.
 */
final class BlastStory extends Story {

    /**
     * Starved 7 s against max.poll.interval.ms 5 s, 3 s into a 14 s feed: thrown out, back, and settled again; a busy
     * machine may take seconds to answer the first connection.
     */
    private static final List<String> TIMING = List.of("--starve-at", "3s", "--starve", "7s", "--duration", "14s",
            "--connect-timeout", "30s");
    /** At the kick, eager takes every partition from every healthy member: 3 members x 3 of the 12 partitions. */
    private static final int EAGER_REVOCATIONS = 9;
    private static final String[] HEADER = {"setup", "healthy max pause ms", "healthy revocations",
        "healthy failed commits", "starved failed commits", "p99 ms", "max ms", "duplicates", "unowned ms",
        "rebalances", "lost"};
    private static final String[] KEYS = {"healthy_max_pause_ms", "healthy_revocations", "healthy_failed_commits",
        "starved_failed_commits", "p99_latency_ms", "max_latency_ms", "duplicates", "unowned_ms", "rebalances", "lost"};

    BlastStory(Terminal terminal, Path jar, Path out, RunTable table, List<String> broken) {
        super(terminal, jar, out, table, broken);
    }

    /** Tells the act and returns its chart. */
    Path tell() throws Exception {
        terminal.heading("5. One slow member, the whole group: 4 members, 12 partitions, 200 records/s, 5 ms per record"
                + " in the poll loop, batches of 50; member 1 sleeps 7 s (max.poll.interval.ms 5 s). Eager,"
                + " cooperative and KIP-848 side by side on the same records; and eager with 2 s batches");
        String bootstrap = "127.0.0.1:" + LoopbackPorts.free();
        Path quick = out.resolve("blast-buckets.csv").toAbsolutePath();
        Path slow = out.resolve("blast-2s-buckets.csv").toAbsolutePath();
        List<SummaryLine> setups;
        List<SummaryLine> batches;
        try (DemoProcess broker = DemoProcess.start(terminal, "broker", jar,
                List.of("broker", "--port", bootstrap.substring(bootstrap.indexOf(':') + 1)))) {
            broker.awaitLine("BROKER ready", Duration.ofSeconds(60));
            List<String> three = new ArrayList<>(List.of("blast", "--bootstrap-servers", bootstrap, "--setup",
                    "eager,cooperative,consumer", "--buckets", quick.toString()));
            three.addAll(TIMING);
            // 50 records x 40 ms: 2 s batches; 100 records/s keeps all four members busy, so every batch is full.
            List<String> eager2s = new ArrayList<>(List.of("blast", "--bootstrap-servers", bootstrap,
                    "--setup", "eager", "--process-ms", "40", "--rate", "100", "--buckets", slow.toString()));
            eager2s.addAll(TIMING);
            try (DemoProcess a = DemoProcess.start(terminal, "blast", jar, three);
                 DemoProcess b = DemoProcess.start(terminal, "blast 2s", jar, eager2s)) {
                a.awaitExit(Duration.ofSeconds(120));
                b.awaitExit(Duration.ofSeconds(120));
                setups = summaries(a);
                batches = summaries(b);
            }
        }
        List<String[]> rows = new ArrayList<>();
        List<ThroughputChart.Panel> panels = new ArrayList<>();
        List<MemberThroughput> quickMembers = MemberThroughput.read(quick);
        for (SummaryLine s : setups) {
            String name = label(s.get("setup"));
            rows.add(row(name, s));
            table.consumer("blast: " + name, s);
            panels.add(panel(name, s, quickMembers));
        }
        for (SummaryLine s : batches) {
            rows.add(row("eager, 2 s batches", s));
            table.consumer("blast: eager, 2 s batches", s);
            panels.add(panel("eager, 2 s batches", s, MemberThroughput.read(slow)));
        }
        terminal.heading("5. The three setups side by side (healthy = members 2-4; latency: records on their own"
                + " partitions)");
        terminal.plain(RunTable.format(HEADER, rows));
        check(setups, batches);
        return ThroughputChart.draw(out.resolve("blast-throughput.png"), panels);
    }

    private void check(List<SummaryLine> setups, List<SummaryLine> batches) {
        for (SummaryLine s : setups) {
            expect(s.getLong("lost") == 0, "blast: " + s.get("setup"), "lost=0", s);
            switch (s.get("setup")) {
                case "eager" -> expect(s.getLong("healthy_revocations") >= EAGER_REVOCATIONS, "blast: eager",
                        "healthy_revocations>=" + EAGER_REVOCATIONS, s);
                case "consumer" -> expect(s.getLong("healthy_failed_commits") == 0, "blast: consumer",
                        "healthy_failed_commits=0", s);
                default -> { }
            }
        }
        for (SummaryLine s : batches) {
            // The pause itself depends on where each member is in its batch when the rebalance starts: shown, not checked.
            expect(s.getLong("lost") == 0 && s.getLong("healthy_revocations") >= EAGER_REVOCATIONS,
                    "blast: eager, 2 s batches", "lost=0 healthy_revocations>=" + EAGER_REVOCATIONS, s);
        }
    }

    private static String label(String setup) {
        return switch (setup) {
            case "eager" -> "eager (classic, range)";
            case "cooperative" -> "cooperative (classic, sticky)";
            case "consumer" -> "consumer (KIP-848)";
            default -> setup;
        };
    }

    private static String[] row(String name, SummaryLine s) {
        String[] row = new String[KEYS.length + 1];
        row[0] = name;
        for (int i = 0; i < KEYS.length; i++) {
            row[i + 1] = s.get(KEYS[i]);
        }
        return row;
    }

    private static ThroughputChart.Panel panel(String name, SummaryLine s, List<MemberThroughput> all) {
        List<MemberThroughput> members = all.stream().filter(m -> m.setup().equals(s.get("setup"))).toList();
        return new ThroughputChart.Panel(name, members, s.getLong("starve_from_ms") / 1000.0,
                s.getLong("starve_to_ms") / 1000.0);
    }

    /** Every SUMMARY line of a blast run, one per setup, in order. */
    private static List<SummaryLine> summaries(DemoProcess run) throws InterruptedException {
        run.summary();
        return run.lines().stream().filter(l -> l.contains(SummaryLine.PREFIX + " setup="))
                .map(SummaryLine::parse).toList();
    }
}
