package dev.starvation.kafka.broker;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The {@code --bootstrap-servers} option of the commands that need a broker: a given one, checked, or an embedded one. */
public final class BrokerOptions {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerOptions.class);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Broker to use; without it an embedded broker is started for this command.")
    String bootstrapServers;

    @Option(names = "--connect-timeout", defaultValue = "5s", paramLabel = "DURATION",
            description = "How long to wait for the broker to answer before giving up (default ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    /** A broker to talk to for the length of a command; closing it stops an embedded one. */
    public record Connection(String bootstrapServers, EmbeddedBroker embedded) implements AutoCloseable {
        public boolean isEmbedded() {
            return embedded != null;
        }

        @Override
        public void close() {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Checks the given broker answers, or starts an embedded one. */
    public Connection connect() {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("--connect-timeout must be positive, got " + connectTimeout);
        }
        if (bootstrapServers != null) {
            BrokerCheck.requireReachable(bootstrapServers, connectTimeout);
            return new Connection(bootstrapServers, null);
        }
        EmbeddedBroker broker = EmbeddedBroker.onPort(0);
        EmbeddedBroker.Started started = broker.start();
        LOG.info("BROKER ready bootstrap.servers={} (embedded, started in {} ms)", started.bootstrapServers(),
                started.startTime().toMillis());
        return new Connection(started.bootstrapServers(), broker);
    }
}
