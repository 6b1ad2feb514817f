package dev.starvation.kafka.consume;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.clients.consumer.GroupProtocol;
import picocli.CommandLine.Option;

/** The options of {@code consume} that every mode reads: what to consume, how much work, polling and stopping. */
final class ConsumeOptions {

    @Option(names = "--topic", defaultValue = "jobs", description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--group", description = "Consumer group (default demo-<mode>).")
    String group;

    @Option(names = "--mode", defaultValue = "naive",
            description = "naive, tuned, offload, share or share-renew (default ${DEFAULT-VALUE}).")
    Mode mode;

    @Option(names = "--process-ms", defaultValue = "1500",
            description = "CPU-bound work per record, in ms (default ${DEFAULT-VALUE}).")
    long processMs;

    @Option(names = "--max-poll-interval-ms", defaultValue = "3000",
            description = "max.poll.interval.ms (default ${DEFAULT-VALUE}).")
    int maxPollIntervalMs;

    @Option(names = "--max-poll-records", defaultValue = "500", description = "max.poll.records (default ${DEFAULT-VALUE}).")
    int maxPollRecords;

    @Option(names = "--workers", description = "Worker threads in offload mode, per member in share-renew mode "
            + "(default: number of cores).")
    Integer workers;

    @Option(names = "--group-protocol", defaultValue = "classic",
            description = "classic or consumer (KIP-848) (default ${DEFAULT-VALUE}).")
    GroupProtocol groupProtocol;

    @Option(names = "--expect", defaultValue = "0",
            description = "Stop once N distinct records are processed and committed (default: do not).")
    long expect;

    @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
            description = "Stop after this long anyway (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--stall-share", defaultValue = "50",
            description = "Log STALL with the thread's stack when the poll thread is silent for this percentage of "
                    + "max.poll.interval.ms (share modes: of the lock), or a worker (offload, share-renew) runs one "
                    + "record for this percentage of --record-deadline (default ${DEFAULT-VALUE}).")
    int stallSharePercent;

    @Option(names = "--shutdown-grace", defaultValue = "5s", paramLabel = "DURATION",
            description = "On SIGTERM, how long in-flight offload work may finish (default ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--poll-gaps", paramLabel = "FILE", description = "Write one CSV line per poll: elapsed_ms,gap_ms.")
    Path pollGaps;
}
