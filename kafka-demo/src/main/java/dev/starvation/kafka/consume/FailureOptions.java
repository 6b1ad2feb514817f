package dev.starvation.kafka.consume;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The options of {@code consume} for records that fail or hang: offload and share-renew modes. */
final class FailureOptions {

    @Option(names = "--record-deadline", defaultValue = "30s", paramLabel = "DURATION",
            description = "Offload and share-renew: how long one attempt at a record may run; then its worker is "
                    + "interrupted and the attempt counts as failed: retried, or released to the group "
                    + "(default ${DEFAULT-VALUE}).")
    Duration recordDeadline;

    @Option(names = "--max-attempts", defaultValue = "3",
            description = "Attempts per record, the first included, before it is given up: sent to <topic>.DLT in "
                    + "offload mode, rejected in share-renew mode (default ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--retry-backoff", defaultValue = "1s", paramLabel = "DURATION",
            description = "Offload: wait before a failed record's second attempt, doubled for each one after "
                    + "(default ${DEFAULT-VALUE}).")
    Duration retryBackoff;

    @Option(names = "--dlt-timeout", defaultValue = "10s", paramLabel = "DURATION",
            description = "Offload: bound of one send to <topic>.DLT (max.block.ms, delivery.timeout.ms); after "
                    + FailurePolicy.DEAD_LETTER_SENDS + " failed sends the record's partition stops "
                    + "(default ${DEFAULT-VALUE}).")
    Duration deadLetterTimeout;
}
