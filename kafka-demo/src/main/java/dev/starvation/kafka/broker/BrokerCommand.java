package dev.starvation.kafka.broker;

import dev.starvation.kafka.VersionProvider;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code broker --port 9092}: a real single-node KRaft broker in this JVM, until SIGTERM. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Runs a single-node Apache Kafka broker (KRaft) on 127.0.0.1 until stopped (SIGTERM or Ctrl-C).")
public final class BrokerCommand implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerCommand.class);

    @Option(names = "--port", defaultValue = "9092", description = "Port for clients on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int port;

    @Override
    public void run() {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 1 and 65535, got " + port);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        EmbeddedBroker broker = EmbeddedBroker.onPort(port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("BROKER stopping");
            broker.close();
            stopped.countDown();
        }, "broker-shutdown"));
        EmbeddedBroker.Started started = broker.start();
        LOG.info("BROKER ready bootstrap.servers={} (started in {} ms)", started.bootstrapServers(), started.startTime().toMillis());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
