package dev.starvation.kafka.streams;

import dev.starvation.kafka.VersionProvider;
import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.BrokerOptions;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.broker.Waiting;
import dev.starvation.kafka.consume.ConsumeCommand;
import dev.starvation.kafka.produce.JobProducer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.GroupProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code streams --mode naive|tuned|split}: the poll-loop starvation inside a Kafka Streams application, under the
 * classic or the streams group protocol (KIP-1071), ending with its SUMMARY line.
 */
@Command(name = "streams", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {"A Kafka Streams application whose processor does CPU work per record: naive (the work on the "
                + "StreamThread: the bug), tuned (max.poll.interval.ms sized to the work) or split (the topology only "
                + "routes, the offloading consumer does the work: the fix).",
            "Results land in --output-topic keyed as the input. /health fails when a StreamThread has not polled for "
                + "half of max.poll.interval.ms, or input waits and nothing was committed for --progress-deadline, "
                + "while KafkaStreams.state() still says RUNNING."})
public final class StreamsCommand implements Callable<Integer> {

    /** Records sent to an embedded broker's topic when no --expect says how many. */
    private static final int EMBEDDED_RECORDS = 6;
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

    @Mixin
    BrokerOptions broker;

    @Option(names = "--topic", defaultValue = "jobs", description = "Input topic (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--output-topic", description = "Where results go, keyed as the input (default <topic>.out).")
    String outputTopic;

    @Option(names = "--application-id", description = "application.id, also the group (default streams-<mode>).")
    String applicationId;

    @Option(names = "--mode", defaultValue = "naive",
            description = "naive, tuned or split (default ${DEFAULT-VALUE}).")
    StreamsMode mode;

    @Option(names = "--protocol", defaultValue = "classic",
            description = "Group protocol: classic or streams (KIP-1071) (default ${DEFAULT-VALUE}).")
    GroupProtocol protocol;

    @Option(names = "--guarantee", defaultValue = "at_least_once",
            description = "processing.guarantee: at_least_once or exactly_once_v2 (default ${DEFAULT-VALUE}).")
    Guarantee guarantee;

    @Option(names = "--threads", defaultValue = "1", description = "num.stream.threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--process-ms", defaultValue = "4000",
            description = "CPU-bound work per record, in ms (default ${DEFAULT-VALUE}).")
    long processMs;

    @Option(names = "--max-poll-interval-ms", defaultValue = "3000",
            description = "The main consumer's max.poll.interval.ms; tuned mode raises it to fit one record "
                    + "(default ${DEFAULT-VALUE}).")
    int maxPollIntervalMs;

    @Option(names = "--commit-interval", paramLabel = "DURATION",
            description = "commit.interval.ms (default: Kafka Streams' own, 30s at least once, 100ms exactly once).")
    Duration commitInterval;

    @Option(names = "--expect", defaultValue = "0",
            description = "Stop once N distinct records are in the output topic (default: run for --duration).")
    long expect;

    @Option(names = "--duration", defaultValue = "60s", paramLabel = "DURATION",
            description = "Stop after this long anyway (default ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--progress-deadline", paramLabel = "DURATION",
            description = "/health fails when input lag is positive and nothing was committed for this long "
                    + "(default: twice max.poll.interval.ms as run).")
    Duration progressDeadline;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Embedded broker: partitions of the input topic (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--workers", description = "Split mode: worker threads of the offloading consumer "
            + "(default: number of cores).")
    Integer workers;

    @Option(names = "--admin-port", paramLabel = "PORT",
            description = "Serve GET /health, /ready and /metrics (KafkaStreamsMetrics) on this port "
                    + "(0: any free one; default: none).")
    Integer adminPort;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1",
            description = "Address the admin endpoints listen on (default ${DEFAULT-VALUE}).")
    String adminHost;

    @Override
    public Integer call() throws InterruptedException {
        settings("unknown", Path.of(".")).validate();
        if (adminPort != null && (adminPort < 0 || adminPort > 65_535)) {
            throw new IllegalArgumentException("--admin-port must be between 0 and 65535, got " + adminPort);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        }
        Path stateDir = tempDir();
        try (BrokerOptions.Connection connection = broker.connect()) {
            String bootstrap = connection.bootstrapServers();
            StreamsSettings settings = settings(bootstrap, stateDir).validate();
            int inputPartitions;
            if (connection.isEmbedded()) {
                Topics.ensure(bootstrap, topic, partitions);
                new JobProducer(bootstrap).send(topic, 0, expect > 0 ? (int) Math.min(expect, 100_000) : EMBEDDED_RECORDS);
                inputPartitions = partitions;
            } else {
                inputPartitions = partitionsOf(bootstrap, topic);
            }
            StreamsRun run = new StreamsRun(settings, inputPartitions);
            ConsumeCommand.runUntilStopped(() -> run.run(adminHost, adminPort), run::stop, Duration.ofSeconds(20));
        } finally {
            deleteQuietly(stateDir);
        }
        return 0;
    }

    private StreamsSettings settings(String bootstrapServers, Path stateDir) {
        String app = applicationId != null ? applicationId : "streams-" + mode;
        Duration commit = commitInterval != null ? commitInterval
                : Duration.ofMillis(guarantee == Guarantee.AT_LEAST_ONCE ? 30_000 : 100);
        StreamsSettings draft = new StreamsSettings(bootstrapServers, topic,
                outputTopic != null ? outputTopic : topic + ".out", app, mode, protocol, guarantee, threads,
                Duration.ofMillis(processMs), maxPollIntervalMs, commit, expect, duration, Duration.ofSeconds(1),
                workers != null ? workers : Runtime.getRuntime().availableProcessors(), stateDir);
        Duration deadline = progressDeadline != null ? progressDeadline
                : StreamsSettings.defaultProgressDeadline(maxPollIntervalMs < 1 ? 1 : draft.effectivePollIntervalMs());
        return new StreamsSettings(bootstrapServers, draft.topic(), draft.outputTopic(), app, mode, protocol,
                guarantee, threads, draft.processTime(), maxPollIntervalMs, commit, expect, duration, deadline,
                draft.workers(), stateDir);
    }

    /** The input topic's partition count on a given broker, or an error naming the topic if it is missing. */
    private static int partitionsOf(String bootstrap, String topic) {
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(bootstrap, ADMIN_TIMEOUT))) {
            Map<String, TopicDescription> d = Waiting.get(admin.describeTopics(List.of(topic)).allTopicNames(),
                    ADMIN_TIMEOUT, "cannot describe topic " + topic);
            return d.get(topic).partitions().size();
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalArgumentException("--topic " + topic + " does not exist on " + bootstrap
                        + ": create it, or produce to it first (kafka-demo produce --topic " + topic + ")", e);
            }
            throw e;
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("kafka-demo-streams");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka Streams' state directory: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is not worth failing the run for.
        }
    }
}
