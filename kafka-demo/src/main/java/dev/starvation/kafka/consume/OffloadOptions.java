package dev.starvation.kafka.consume;

import dev.starvation.kafka.ordering.Ordering;
import picocli.CommandLine.Option;

/** The options of {@code consume} that only the offload mode reads: its admin endpoints, ordering and buffer bound. */
final class OffloadOptions {

    @Option(names = "--admin-port", paramLabel = "PORT",
            description = "Serve GET /health (liveness), GET /ready (readiness) and GET /metrics (Prometheus text) on"
                    + " this port (0: any free one; default: no admin endpoints).")
    Integer adminPort;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1",
            description = "Address the admin endpoints listen on; 0.0.0.0 in a container (default ${DEFAULT-VALUE}).")
    String adminHost;

    @Option(names = "--ordering", defaultValue = "key",
            description = "Offload mode: what runs in offset order within a partition: key (one record in flight per "
                    + "key), partition (one per partition) or unordered (default ${DEFAULT-VALUE}).")
    Ordering ordering;

    @Option(names = "--max-buffered", defaultValue = "" + ConsumerSettings.DEFAULT_MAX_BUFFERED,
            description = "Offload mode: records the member holds, summed over its partitions from each one's commit "
                    + "offset on; every partition is paused while it holds this many (default ${DEFAULT-VALUE}).")
    int maxBuffered;
}
