package dev.starvation.kafka.broker;

import dev.starvation.common.LoopbackPorts;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Apache Kafka (KRaft, broker and controller in one process) on 127.0.0.1, set up for demos whose
 * timeouts are seconds; it can be stopped and started again on the same port and data directory.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final int NODE_ID = 1;

    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Properties overrides = new Properties();
    private KafkaRaftServer server;

    /** What {@link #start()} found: where clients connect and how long the start took. */
    public record Started(String bootstrapServers, Duration startTime) {
    }

    private EmbeddedBroker(int port, int controllerPort, Path dataDir, boolean ownsDataDir) {
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    /** A broker on {@code port} (0 picks a free one) with its data in a new temporary directory, deleted on close. */
    public static EmbeddedBroker onPort(int port) {
        try {
            int brokerPort = port == 0 ? LoopbackPorts.free() : port;
            return new EmbeddedBroker(brokerPort, LoopbackPorts.free(), Files.createTempDirectory("kafka-demo-broker"), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the broker's data directory", e);
        }
    }

    /**
     * Sets a broker setting on top of the demo's, from the next {@link #start()} on; e.g.
     * {@code auto.create.topics.enable=false}, as many production clusters run.
     */
    public synchronized EmbeddedBroker withConfig(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /** Formats the data directory if it is new, starts the broker and waits until it serves clients. */
    public synchronized Started start() {
        if (server != null) {
            throw new IllegalStateException("broker already running on 127.0.0.1:" + port);
        }
        long t0 = System.nanoTime();
        KafkaConfig config = KafkaConfig.fromProps(properties(), false);
        formatIfNew();
        KafkaRaftServer raft = new KafkaRaftServer(config, Time.SYSTEM);
        raft.startup();
        server = raft;
        return new Started(bootstrapServers(), Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Stops the broker and waits for it; the data directory stays for a later {@link #start()}. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Where clients connect. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The port clients connect to. */
    public int port() {
        return port;
    }

    /** Stops the broker and deletes a data directory it created. */
    @Override
    public void close() {
        stop();
        if (ownsDataDir) {
            deleteRecursively(dataDir);
        }
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        // One node: every internal topic has one replica, and there is no one to wait for.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The log cleaner's dedupe map is allocated and zeroed at start: 128 MiB by default, over half a second of this
        // start on a 2-core machine, for compacted topics (offsets, share state) that hold kilobytes in a demo.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        // Second-scale timeouts for the consumer protocol (KIP-848), whose session and heartbeat the broker decides.
        p.put("group.consumer.session.timeout.ms", "6000");
        p.put("group.consumer.min.session.timeout.ms", "3000");
        p.put("group.consumer.heartbeat.interval.ms", "500");
        p.put("group.consumer.min.heartbeat.interval.ms", "500");
        p.put("group.min.session.timeout.ms", "3000");
        // Share groups (KIP-932) at demo size: Kafka's floor for a group's record lock is 15 s and a share member
        // heartbeats every 5 s, so a 1-3 s lock could not be set and a member waited about 6 s for its first records;
        // with these, under a second (the first share group of a fresh broker about 1.5 s: it creates the state topic,
        // which gets few partitions, as the offsets topic does).
        p.put("group.share.min.record.lock.duration.ms", "1000");
        p.put("group.share.heartbeat.interval.ms", "500");
        p.put("group.share.min.heartbeat.interval.ms", "500");
        p.put("group.share.session.timeout.ms", "6000");
        p.put("group.share.min.session.timeout.ms", "3000");
        p.put("share.coordinator.state.topic.num.partitions", "5");
        p.put("group.share.assignment.interval.ms", "0");
        // Streams groups (KIP-1071, group.protocol=streams), served by 4.3.1 as formatted (streams.version 1): their
        // session and heartbeat have floors of 45 s and 5 s, and a new group waits 3 s before its first assignment.
        p.put("group.streams.session.timeout.ms", "6000");
        p.put("group.streams.min.session.timeout.ms", "3000");
        p.put("group.streams.heartbeat.interval.ms", "500");
        p.put("group.streams.min.heartbeat.interval.ms", "500");
        p.put("group.streams.initial.rebalance.delay.ms", "0");
        p.putAll(overrides);
        return p;
    }

    private void formatIfNew() {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                    .setNodeId(NODE_ID)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(dataDir.toString())
                    .setDirectories(List.of(dataDir.toString()))
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the broker's data directory " + dataDir + ": " + e, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException e) {
            // A temporary directory left behind is not worth failing a shutdown for.
        }
    }
}
