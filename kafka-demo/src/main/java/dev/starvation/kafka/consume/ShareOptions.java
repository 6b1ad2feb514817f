package dev.starvation.kafka.consume;

import picocli.CommandLine.Option;

/** The options of {@code consume} that only the share modes read: members in this process and the group's lock settings. */
final class ShareOptions {

    @Option(names = "--members", defaultValue = "2",
            description = "Share modes: share consumers run in this process, one thread each "
                    + "(default ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--lock-ms", defaultValue = "1000",
            description = "Share modes: the group's share.record.lock.duration.ms, set through Admin before anyone "
                    + "subscribes; the broker bounds it (default ${DEFAULT-VALUE}).")
    int lockMs;

    @Option(names = "--delivery-limit", defaultValue = "3",
            description = "Share modes: the group's share.delivery.count.limit; the broker bounds it "
                    + "(default ${DEFAULT-VALUE}).")
    int deliveryLimit;
}
