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

    @Mixin
    ConsumeOptions common;

    @Mixin
    FailureOptions failures;

    @Mixin
    OffloadOptions offload;

    @Mixin
    ShareOptions share;

    @Override
    public Integer call() throws InterruptedException {
        if (common.mode.isShareGroup()) {
            return callShare();
        }
        ConsumerSettings settings = settings("unknown").validate();
        if (offload.adminPort != null && (offload.adminPort < 0 || offload.adminPort > 65_535)) {
            throw new IllegalArgumentException("--admin-port must be between 0 and 65535, got " + offload.adminPort);
        }
        try (BrokerOptions.Connection connection = broker.connect()) {
            sendToEmbedded(connection);
            PollLoop loop = create(settings(connection.bootstrapServers()));
            try (ConsumerMetrics metrics = offload.adminPort == null ? null : new ConsumerMetrics();
                 AdminServer admin = offload.adminPort == null ? null
                         : serve(loop, offload.adminHost, offload.adminPort, metrics)) {
                runUntilStopped(loop::run, loop::stop, closeBound(settings));
            }
        }
        return 0;
    }

    /** An embedded broker starts empty: send it --expect records (5 if not given) so that the run tells its story. */
    private long sendToEmbedded(BrokerOptions.Connection connection) {
        if (!connection.isEmbedded()) {
            return 0;
        }
        int records = common.expect > 0 ? (int) Math.min(common.expect, Integer.MAX_VALUE) : EMBEDDED_RECORDS;
        Topics.ensure(connection.bootstrapServers(), common.topic, 1);
        new JobProducer(connection.bootstrapServers()).send(common.topic, 0, records);
        return records;
    }

    /**
     * How long SIGTERM waits for an offloading run to close, at the most it can take: the grace, the last commit,
     * the workers' 2 s, the consumer's close (5 s) and the dead-letter producer's (2 s + 2 s), and 5 s to spare.
     */
    static Duration closeBound(ConsumerSettings settings) {
        return settings.shutdownGrace().plus(settings.commitTimeout()).plusSeconds(2 + 5 + 4 + 5);
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
        return new ConsumerSettings(bootstrapServers, common.topic,
                common.group != null ? common.group : "demo-" + common.mode, common.mode, common.groupProtocol,
                Duration.ofMillis(common.processMs), common.maxPollRecords, common.maxPollIntervalMs,
                common.workers != null ? common.workers : Runtime.getRuntime().availableProcessors(),
                common.stallSharePercent / 100.0, common.expect, common.duration, common.shutdownGrace,
                common.pollGaps, new FailurePolicy(failures.maxAttempts, failures.retryBackoff,
                        failures.recordDeadline, failures.deadLetterTimeout), offload.ordering, offload.maxBuffered);
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
        shareSettings("unknown", common.expect).validate();
        if (offload.adminPort != null) {
            // A probe pointed at a port nobody serves would fail and restart a healthy consumer: refuse, do not ignore.
            throw new IllegalArgumentException("--admin-port is not served in --mode " + common.mode
                    + " yet: share members report stuck workers in CAPACITY lines and the SUMMARY (stuck_workers=)");
        }
        try (BrokerOptions.Connection connection = broker.connect()) {
            long sent = sendToEmbedded(connection);
            ShareRun run = new ShareRun(shareSettings(connection.bootstrapServers(), sent > 0 ? sent : common.expect),
                    Processor.cpuWork(Duration.ofMillis(common.processMs)));
            // The grace, the member's wait for its interrupted workers (2 s), its last commit (10 s) and close (5 s).
            runUntilStopped(run::run, run::stop, common.shutdownGrace.plusSeconds(2 + 10 + 5 + 5));
        }
        return 0;
    }

    private ShareSettings shareSettings(String bootstrapServers, long stopAfter) {
        ConsumerSettings base = settings(bootstrapServers);
        return new ShareSettings(base.withWork(base.processTime(), base.workers(), stopAfter, common.duration),
                share.members, share.lockMs, share.deliveryLimit, failures.maxAttempts);
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
