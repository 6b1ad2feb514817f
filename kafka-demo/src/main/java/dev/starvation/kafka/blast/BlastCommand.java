package dev.starvation.kafka.blast;

import dev.starvation.kafka.VersionProvider;
import dev.starvation.kafka.broker.BrokerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code blast}: one starved member's blast radius on the healthy members of its group, under the eager, cooperative
 * and KIP-848 rebalance setups; one SUMMARY line per setup.
 */
@Command(name = "blast", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "What one starved member does to the healthy members of its group. A group of --members consumers in "
                    + "this process reads a topic fed at --rate records/s; each member processes every record on its "
                    + "poll thread (--process-ms, a sleep: time inside the loop, not CPU) and commits each batch. "
                    + "Member 1 sleeps --starve once, in the middle of a batch, --starve-at after the feed starts.",
            "Several --setup values run side by side, one group each, on the same records: eager (classic protocol, "
                    + "RangeAssignor), cooperative (classic, CooperativeStickyAssignor), consumer (KIP-848).",
            "After --duration the feed stops, the groups commit everything (at most --drain-timeout) and leave; each "
                    + "setup prints MEMBER lines and one SUMMARY line."})
public final class BlastCommand implements Callable<Integer> {

    @Mixin
    BrokerOptions broker;

    @Option(names = "--setup", split = ",", defaultValue = "eager,cooperative,consumer", paramLabel = "SETUP",
            description = "eager, cooperative or consumer; several, comma-separated, run side by side "
                    + "(default ${DEFAULT-VALUE}).")
    List<Setup> setups;

    @Option(names = "--members", paramLabel = "N", defaultValue = "4",
            description = "Members per group (default ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "12",
            description = "Partitions of the topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "200",
            description = "Records sent per second (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--process-ms", paramLabel = "MS", defaultValue = "5",
            description = "Time spent per record inside the poll loop, in ms (default ${DEFAULT-VALUE}).")
    long processMs;

    @Option(names = "--max-poll-records", paramLabel = "N", defaultValue = "50",
            description = "max.poll.records: records per batch, committed together (default ${DEFAULT-VALUE}).")
    int maxPollRecords;

    @Option(names = "--max-poll-interval-ms", paramLabel = "MS", defaultValue = "5000",
            description = "max.poll.interval.ms: the starved member is thrown out after this long "
                    + "(default ${DEFAULT-VALUE}).")
    int maxPollIntervalMs;

    @Option(names = "--starve", defaultValue = "8s", paramLabel = "DURATION",
            description = "How long member 1 sleeps inside its poll loop (default ${DEFAULT-VALUE}).")
    Duration starve;

    @Option(names = "--starve-at", defaultValue = "10s", paramLabel = "DURATION",
            description = "When it falls asleep, after the feed starts (default ${DEFAULT-VALUE}).")
    Duration starveAt;

    @Option(names = "--duration", defaultValue = "30s", paramLabel = "DURATION",
            description = "How long the topic is fed (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--drain-timeout", defaultValue = "30s", paramLabel = "DURATION",
            description = "How long the groups may take to commit every record after the feed stops "
                    + "(default ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--topic", paramLabel = "NAME",
            description = "Topic to create and feed (default: blast-<time>, a new one).")
    String topic;

    @Option(names = "--buckets", paramLabel = "FILE",
            description = "Write records processed per member per 250 ms as CSV: setup,member,t_ms,records.")
    Path buckets;

    @Override
    public Integer call() throws InterruptedException {
        BlastSettings settings = settings().validate();
        try (BrokerOptions.Connection connection = broker.connect()) {
            new BlastRun(settings, connection.bootstrapServers()).run();
        }
        return 0;
    }

    private BlastSettings settings() {
        String name = topic != null ? topic : "blast-" + Long.toString(System.currentTimeMillis(), 36);
        return new BlastSettings(name, setups, members, partitions, rate, Duration.ofMillis(processMs),
                maxPollRecords, maxPollIntervalMs, starve, starveAt, duration, drainTimeout, buckets);
    }
}
