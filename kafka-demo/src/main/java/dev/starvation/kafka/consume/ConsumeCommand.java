package dev.starvation.kafka.consume;

import dev.starvation.kafka.VersionProvider;
import dev.starvation.kafka.broker.BrokerOptions;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.ops.AdminServer;
import dev.starvation.kafka.ops.ConsumerMetrics;
import dev.starvation.kafka.ordering.Ordering;
import dev.starvation.kafka.produce.JobProducer;
import dev.starvation.kafka.share.ShareRun;
import dev.starvation.kafka.share.ShareSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code consume --mode naive|tuned|offload}: one consumer of the demo, ending with its SUMMARY line;
 * {@code --mode share|share-renew}: the same story under a share group (KIP-932), run by {@link ShareRun}.
 */
@Command(name = "consume", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Consumes job records with CPU work per record: naive (the bug), tuned, or offload (the fix); "
                + "share (the bug under a share group) or share-renew (its fix).")
public final class ConsumeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumeCommand.class);
    /** Records sent to an embedded broker's topic when no --expect says how many. */
    private static final int EMBEDDED_RECORDS = 5;

    @Mixin
    BrokerOptions broker;

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

    @Option(names = "--admin-port", paramLabel = "PORT",
            description = "Serve GET /health (liveness), GET /ready (readiness) and GET /metrics (Prometheus text) on"
                    + " this port (0: any free one; default: no admin endpoints).")
    Integer adminPort;

    @Option(names = "--admin-host", defaultValue = "127.0.0.1",
            description = "Address the admin endpoints listen on; 0.0.0.0 in a container (default ${DEFAULT-VALUE}).")
    String adminHost;

    @Option(names = "--shutdown-grace", defaultValue = "5s", paramLabel = "DURATION",
            description = "On SIGTERM, how long in-flight offload work may finish (default ${DEFAULT-VALUE}).")
    Duration shutdownGrace;

    @Option(names = "--ordering", defaultValue = "key",
            description = "Offload mode: what runs in offset order within a partition: key (one record in flight per "
                    + "key), partition (one per partition) or unordered (default ${DEFAULT-VALUE}).")
    Ordering ordering;

    @Option(names = "--max-buffered", defaultValue = "" + ConsumerSettings.DEFAULT_MAX_BUFFERED,
            description = "Offload mode: records held per partition from its commit offset on; the partition is "
                    + "paused when full (default ${DEFAULT-VALUE}).")
    int maxBuffered;

    @Option(names = "--poll-gaps", paramLabel = "FILE", description = "Write one CSV line per poll: elapsed_ms,gap_ms.")
    Path pollGaps;

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

    @Override
    public Integer call() throws InterruptedException {
        if (mode.isShareGroup()) {
            return callShare();
        }
        ConsumerSettings settings = settings("unknown").validate();
        if (adminPort != null && (adminPort < 0 || adminPort > 65_535)) {
            throw new IllegalArgumentException("--admin-port must be between 0 and 65535, got " + adminPort);
        }
        try (BrokerOptions.Connection connection = broker.connect()) {
            sendToEmbedded(connection);
            PollLoop loop = create(settings(connection.bootstrapServers()));
            try (ConsumerMetrics metrics = adminPort == null ? null : new ConsumerMetrics();
                 AdminServer admin = adminPort == null ? null : serve(loop, adminHost, adminPort, metrics)) {
                runUntilStopped(loop::run, loop::stop, shutdownGrace.plusSeconds(10));
            }
        }
        return 0;
    }

    /** An embedded broker starts empty: send it --expect records (5 if not given) so that the run tells its story. */
    private long sendToEmbedded(BrokerOptions.Connection connection) {
        if (!connection.isEmbedded()) {
            return 0;
        }
        int records = expect > 0 ? (int) Math.min(expect, Integer.MAX_VALUE) : EMBEDDED_RECORDS;
        Topics.ensure(connection.bootstrapServers(), topic, 1);
        new JobProducer(connection.bootstrapServers()).send(topic, 0, records);
        return records;
    }

    /** What a run does, on the command's thread. */
    @FunctionalInterface
    public interface Run {
        void run() throws InterruptedException;
    }

    /** Runs {@code run}; SIGTERM meanwhile calls {@code stop} and waits up to {@code limit} for the run to close. */
    public static void runUntilStopped(Run run, Runnable stop, Duration limit) throws InterruptedException {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.run();
            awaitQuietly(finished, limit);
        }, "consume-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            run.run();
        } finally {
            finished.countDown();
            removeHook(hook);
        }
    }

    private ConsumerSettings settings(String bootstrapServers) {
        return new ConsumerSettings(bootstrapServers, topic, group != null ? group : "demo-" + mode, mode,
                groupProtocol, Duration.ofMillis(processMs), maxPollRecords, maxPollIntervalMs,
                workers != null ? workers : Runtime.getRuntime().availableProcessors(), stallSharePercent / 100.0,
                expect, duration, shutdownGrace, pollGaps,
                new FailurePolicy(maxAttempts, retryBackoff, recordDeadline, deadLetterTimeout), ordering, maxBuffered);
    }

    /** Serves {@code loop}'s liveness at {@code /health} and readiness at {@code /ready} on {@code host:port}. */
    static AdminServer serve(PollLoop loop, String host, int port) {
        return serve(loop, host, port, null);
    }

    /** The same, and {@code loop}'s metrics at {@code /metrics} unless {@code metrics} is null. */
    static AdminServer serve(PollLoop loop, String host, int port, ConsumerMetrics metrics) {
        AdminServer admin = AdminServer.start(host, port)
                .probe("/health", loop::unhealthyReason)
                .probe("/ready", loop::notReadyReason);
        if (metrics != null) {
            loop.metrics(metrics);
            admin.route(ConsumerMetrics.PATH, metrics::scrape);
        }
        LOG.info("ADMIN serving {}", admin.describe());
        return admin;
    }

    /** The consumer for the settings' mode. */
    static PollLoop create(ConsumerSettings settings) {
        return switch (settings.mode()) {
            case NAIVE -> new NaiveConsumer(settings, Processor.cpuWork(settings.processTime()));
            case TUNED -> {
                ConsumerSettings tuned = Tuning.tune(settings);
                yield new NaiveConsumer(tuned, Processor.cpuWork(tuned.processTime()));
            }
            case OFFLOAD -> new OffloadingConsumer(settings, Processor.cpuWork(settings.processTime()));
            case SHARE, SHARE_RENEW -> throw new IllegalArgumentException(settings.mode() + " runs a share group");
        };
    }

    /**
     * The share modes: N members of one share group in this process; they stop once the broker has finished --expect
     * records (on an embedded broker, the records sent to it).
     */
    private Integer callShare() throws InterruptedException {
        shareSettings("unknown", expect).validate();
        if (adminPort != null) {
            // A probe pointed at a port nobody serves would fail and restart a healthy consumer: refuse, do not ignore.
            throw new IllegalArgumentException("--admin-port is not served in --mode " + mode
                    + " yet: share members report stuck workers in CAPACITY lines and the SUMMARY (stuck_workers=)");
        }
        try (BrokerOptions.Connection connection = broker.connect()) {
            long sent = sendToEmbedded(connection);
            ShareRun run = new ShareRun(shareSettings(connection.bootstrapServers(), sent > 0 ? sent : expect),
                    Processor.cpuWork(Duration.ofMillis(processMs)));
            runUntilStopped(run::run, run::stop, shutdownGrace.plus(Duration.ofMillis(processMs)).plusSeconds(10));
        }
        return 0;
    }

    private ShareSettings shareSettings(String bootstrapServers, long stopAfter) {
        ConsumerSettings common = settings(bootstrapServers);
        return new ShareSettings(common.withWork(common.processTime(), common.workers(), stopAfter, duration),
                members, lockMs, deliveryLimit, maxAttempts);
    }

    private static void awaitQuietly(CountDownLatch latch, Duration limit) {
        try {
            if (!latch.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("consumer did not close within {} ms", limit.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The JVM is exiting: the hook is running or has run.
        }
    }
}
