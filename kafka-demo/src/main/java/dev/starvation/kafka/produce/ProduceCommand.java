package dev.starvation.kafka.produce;

import dev.starvation.kafka.VersionProvider;
import dev.starvation.kafka.broker.BrokerOptions;
import dev.starvation.kafka.broker.Topics;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code produce --topic T --count N}: creates the topic if missing and sends N job records. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Creates the topic if it is missing and sends N job records keyed job-<i>.")
public final class ProduceCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ProduceCommand.class);

    @Mixin
    BrokerOptions broker;

    @Option(names = "--topic", defaultValue = "jobs", description = "Topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--count", required = true, description = "Records to send; 0 only creates the topic.")
    int count;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of the topic if it is created now (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--first", defaultValue = "0", description = "Number of the first job key (default ${DEFAULT-VALUE}).")
    int first;

    @Override
    public Integer call() {
        if (count < 0) {
            throw new IllegalArgumentException("--count must not be negative, got " + count);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        }
        if (first < 0) {
            throw new IllegalArgumentException("--first must not be negative, got " + first);
        }
        try (BrokerOptions.Connection connection = broker.connect()) {
            if (Topics.ensure(connection.bootstrapServers(), topic, partitions)) {
                LOG.info("TOPIC created {} with {} partitions", topic, partitions);
            }
            if (count > 0) {
                new JobProducer(connection.bootstrapServers()).send(topic, first, count);
            }
        }
        return 0;
    }
}
