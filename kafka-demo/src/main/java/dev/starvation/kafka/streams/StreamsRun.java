package dev.starvation.kafka.streams;

import dev.starvation.common.SummaryLine;
import dev.starvation.common.metrics.PrometheusMetrics;
import dev.starvation.kafka.broker.Topics;
import dev.starvation.kafka.ops.AdminServer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the Streams application: starts it (and in split mode the offloading consumer beside it), watches its
 * threads, its progress and its output, serves the admin endpoints, and ends with the {@code SUMMARY} line.
 */
public final class StreamsRun {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsRun.class);
    private static final Duration TICK = Duration.ofMillis(100);

    private final StreamsSettings settings;
    private final int partitions;
    private final Work work;
    private final Duration perRecord;
    private final AtomicLong rebalances = new AtomicLong();
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean stopRequested;
    private volatile KafkaStreams streams;
    private volatile StreamThreadWatch watch;
    private volatile InputProgress progress;
    private volatile FenceLog fenceLog;

    /** A run of {@code settings} over an input topic of {@code partitions} partitions. */
    public StreamsRun(StreamsSettings settings, int partitions) {
        this(settings, partitions, Work.CPU, settings.processTime());
    }

    /**
     * The same with another kind of {@code work}, done for {@code perRecord} in the processor instead of what the
     * settings were sized for (a record that hangs longer than planned, to measure how late a tuned application
     * notices).
     */
    StreamsRun(StreamsSettings settings, int partitions, Work work, Duration perRecord) {
        this.settings = settings.validate();
        this.partitions = partitions;
        this.work = work;
        this.perRecord = perRecord;
    }

    /**
     * Creates the output topic (and in split mode the work and results topics) if missing, with the input's partition
     * count, then runs until {@link #stop()}, the duration, or {@code --expect} distinct results in the output; serves /health,
     * /ready and /metrics on {@code adminHost:adminPort} unless the port is null.
     *
     * @return the SUMMARY line (also logged)
     * @throws IllegalStateException naming the reason if a StreamThread died
     */
    public SummaryLine run(String adminHost, Integer adminPort) throws InterruptedException {
        int interval = settings.effectivePollIntervalMs();
        if (settings.mode() == StreamsMode.TUNED) {
            LOG.info("TUNED main.consumer.max.poll.interval.ms={} max.poll.records=1 because process-ms={}; cost: a"
                    + " stuck StreamThread is noticed after {} ms instead of {} ms, and each poll brings one record",
                    interval, settings.processTime().toMillis(), interval, settings.maxPollIntervalMs());
        }
        Topics.ensure(settings.bootstrapServers(), settings.outputTopic(), partitions);
        if (settings.mode() == StreamsMode.SPLIT) {
            Topics.ensure(settings.bootstrapServers(), settings.workTopic(), partitions);
            Topics.ensure(settings.bootstrapServers(), settings.resultsTopic(), partitions);
        }
        SummaryLine summary;
        // The offloading consumer ends first, with its own SUMMARY line, so the run's own is the last one printed.
        try (SplitWorker split = settings.mode() == StreamsMode.SPLIT ? new SplitWorker(settings, work).start() : null;
             FenceLog fences = FenceLog.start(settings.applicationId(), interval);
             KafkaStreams app = new KafkaStreams(JobTopology.build(settings, work, perRecord), settings.streamsProperties());
             OutputLedger output = new OutputLedger(settings.bootstrapServers(), settings.outputTopic(), partitions)
                     .start();
             InputProgress input = new InputProgress(settings, partitions).start();
             PrometheusMetrics metrics = adminPort == null ? null : new PrometheusMetrics()) {
            streams = app;
            progress = input;
            fenceLog = fences;
            app.setStateListener(this::stateChanged);
            app.setUncaughtExceptionHandler(this::died);
            app.start();
            try (StreamThreadWatch threads = new StreamThreadWatch(app, interval, fences).start();
                 KafkaStreamsMetrics streamsMetrics = metrics == null ? null : new KafkaStreamsMetrics(app);
                 AdminServer admin = adminPort == null ? null : serve(adminHost, adminPort, metrics)) {
                watch = threads;
                if (streamsMetrics != null) {
                    streamsMetrics.bindTo(metrics.registry());
                }
                awaitEnd(output);
                long maxGap = threads.maxPollGapMillis();
                // A closing thread stops polling on purpose: stop watching first.
                threads.close();
                app.close(Duration.ofSeconds(10));
                output.finish();
                summary = summary(input, output, fences, maxGap);
            }
        } finally {
            streams = null;
        }
        LOG.info("{}", summary);
        if (failure.get() != null) {
            throw new IllegalStateException(failure.get());
        }
        return summary;
    }

    /** StreamThreads fenced so far. Any thread. */
    public long fencesSoFar() {
        FenceLog log = fenceLog;
        return log == null ? 0 : log.fences();
    }

    /** Kafka Streams' own view, {@code KafkaStreams.state()}, or empty when not running. Any thread. */
    public Optional<KafkaStreams.State> state() {
        KafkaStreams app = streams;
        return app == null ? Optional.empty() : Optional.of(app.state());
    }

    private AdminServer serve(String host, int port, PrometheusMetrics metrics) {
        AdminServer admin = AdminServer.start(host, port)
                .probe("/health", this::unhealthyReason)
                .probe("/ready", this::notReadyReason)
                .route("/metrics", () -> new AdminServer.Response(200, PrometheusMetrics.CONTENT_TYPE,
                        metrics.scrape()));
        LOG.info("ADMIN serving {}", admin.describe());
        return admin;
    }

    private void awaitEnd(OutputLedger output) throws InterruptedException {
        long deadline = System.nanoTime() + settings.duration().toNanos();
        String healthSaid = null;
        while (!stopRequested && System.nanoTime() < deadline && failure.get() == null) {
            if (settings.expect() > 0 && output.distinct() >= settings.expect()) {
                LOG.info("EXPECTED {} distinct results in {}: stopping", settings.expect(), settings.outputTopic());
                break;
            }
            KafkaStreams.State state = streams.state();
            if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING) {
                break;
            }
            String health = unhealthyReason().map(r -> "503 " + r).orElse("200 ok");
            // One line per change of verdict or of reason, not per tick of its growing milliseconds.
            String verdict = health.replaceAll("\\d+ (ms|records)", "N $1") + state;
            if (!verdict.equals(healthSaid)) {
                LOG.info("HEALTH {} (state() {})", health, state);
                healthSaid = verdict;
            }
            Thread.sleep(TICK.toMillis());
        }
    }

    private void stateChanged(KafkaStreams.State now, KafkaStreams.State before) {
        if (now == KafkaStreams.State.REBALANCING && before == KafkaStreams.State.RUNNING) {
            LOG.info("REBALANCE #{}: state() {} -> {}", rebalances.incrementAndGet(), before, now);
        } else if (now == KafkaStreams.State.RUNNING && before == KafkaStreams.State.REBALANCING) {
            LOG.info("REBALANCE over: state() {} -> {}", before, now);
        } else {
            LOG.info("STATE {} -> {}", before, now);
        }
    }

    private StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse died(Throwable e) {
        String reason = "a StreamThread died: " + e;
        LOG.error("FAILED {}", reason);
        failure.compareAndSet(null, reason);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /**
     * Why a liveness probe should fail, or empty: the application is not running, a StreamThread has not polled for
     * half of max.poll.interval.ms, or input waits and nothing was committed for the progress deadline. Any thread.
     */
    public Optional<String> unhealthyReason() {
        KafkaStreams app = streams;
        if (app == null) {
            return Optional.of("not running");
        }
        List<String> problems = new ArrayList<>();
        KafkaStreams.State state = app.state();
        if (!state.isRunningOrRebalancing() && state != KafkaStreams.State.CREATED) {
            problems.add("state() " + state);
        }
        StreamThreadWatch threads = watch;
        if (threads != null) {
            threads.silentThread().ifPresent(problems::add);
        }
        InputProgress input = progress;
        if (input != null) {
            input.stuck().ifPresent(problems::add);
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /** Why a readiness probe should fail, or empty while every thread runs with its tasks. Any thread. */
    public Optional<String> notReadyReason() {
        KafkaStreams app = streams;
        if (app == null) {
            return Optional.of("not running");
        }
        KafkaStreams.State state = app.state();
        return state == KafkaStreams.State.RUNNING ? Optional.empty() : Optional.of("state() " + state);
    }

    /** Asks the run to stop; {@link #run} returns once Kafka Streams has closed. Any thread. */
    public void stop() {
        stopRequested = true;
    }

    private SummaryLine summary(InputProgress input, OutputLedger output, FenceLog fences, long maxGap) {
        return new SummaryLine().add("mode", "streams-" + settings.mode())
                .add("protocol", settings.protocolName())
                .add("guarantee", settings.guarantee())
                .add("records", Math.max(0, input.endOffsets()))
                .add("output", output.total())
                .add("distinct_output", output.distinct())
                .add("duplicates", output.total() - output.distinct())
                .add("rebalances", rebalances.get())
                .add("fenced", fences.fences())
                .add("aborted_transactions", output.abortedTransactions())
                .add("max_poll_gap_ms", maxGap);
    }
}
