package dev.starvation.kafka.broker;

import dev.starvation.common.metrics.PrometheusMetrics;
import dev.starvation.kafka.VersionProvider;
import dev.starvation.kafka.ops.AdminServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code broker --port 9092}: a real single-node KRaft broker in this JVM, until SIGTERM. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"Runs a single-node Apache Kafka broker (KRaft) on 127.0.0.1 until stopped (SIGTERM or Ctrl-C).",
            "With --metrics-port, serves the consumer groups' lag on GET /metrics under kafka_exporter's names"
                    + " (kafka_consumergroup_lag, ...), read through the Admin API at each scrape."})
public final class BrokerCommand implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerCommand.class);

    @Option(names = "--port", defaultValue = "9092", description = "Port for clients on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve the consumer groups' lag on"
            + " 127.0.0.1:PORT/metrics, as kafka_exporter would; 0 for any free port (default: none).")
    Integer metricsPort;

    @Override
    public void run() {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 1 and 65535, got " + port);
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw new IllegalArgumentException("--metrics-port must be between 0 and 65535, got " + metricsPort);
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
        if (metricsPort != null) {
            GroupLagMetrics lag = new GroupLagMetrics(started.bootstrapServers(), Duration.ofSeconds(5));
            AdminServer server = AdminServer.start("127.0.0.1", metricsPort).route("/metrics",
                    () -> new AdminServer.Response(200, PrometheusMetrics.CONTENT_TYPE, lag.scrape()));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                lag.close();
            }, "lag-metrics-shutdown"));
            LOG.info("METRICS consumer-group lag on {}/metrics (kafka_exporter's names)", server.baseUrl());
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
