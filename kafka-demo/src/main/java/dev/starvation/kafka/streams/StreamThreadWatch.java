package dev.starvation.kafka.streams;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.StallWatchdog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The project's poll watchdog for the StreamThreads, which poll inside Kafka Streams where no code of ours runs: a
 * sampler reads each thread's {@code poll-total} (Streams' own thread metric) every {@link #SAMPLE} and beats that
 * thread's heartbeat when it moved, so a thread that stops polling gets the usual {@code STALL} line with its stack
 * (the processor's frame) at half of max.poll.interval.ms. The same sampler logs {@code TASKS assigned/revoked/lost}
 * from {@link KafkaStreams#metadataForLocalThreads()}.
 */
final class StreamThreadWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadWatch.class);
    static final Duration SAMPLE = Duration.ofMillis(50);
    private static final int TASK_EVERY = 4;

    /** One StreamThread being watched. */
    private static final class Watched {
        final Heartbeat heartbeat;
        double polls = -1;

        Watched(Heartbeat heartbeat) {
            this.heartbeat = heartbeat;
        }
    }

    private final KafkaStreams streams;
    private final int maxPollIntervalMs;
    private final FenceLog fences;
    private final StallWatchdog watchdog;
    private final Map<String, Watched> threads = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> tasks = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stream-thread-watch");
        t.setDaemon(true);
        return t;
    });
    private int samples;
    private boolean running;

    StreamThreadWatch(KafkaStreams streams, int maxPollIntervalMs, FenceLog fences) {
        this.streams = streams;
        this.maxPollIntervalMs = maxPollIntervalMs;
        this.fences = fences;
        this.watchdog = new StallWatchdog(SAMPLE);
        fences.onFence(this::lost);
    }

    /** A fenced thread's tasks are gone: say which, and let the next sample see them assigned afresh. */
    private void lost(String threadName) {
        Set<String> had = tasks.remove(threadName);
        LOG.info("TASKS lost {} {}", threadName, had == null ? "[]" : had);
    }

    /** Starts sampling; call once {@code streams} has started. */
    StreamThreadWatch start() {
        sampler.scheduleWithFixedDelay(this::sample, 0, SAMPLE.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void sample() {
        try {
            running |= streams.state() == KafkaStreams.State.RUNNING;
            for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
                MetricName name = e.getKey();
                if (name.name().equals("poll-total") && name.group().equals("stream-thread-metrics")) {
                    pollSeen(name.tags().get("thread-id"), ((Number) e.getValue().metricValue()).doubleValue());
                }
            }
            if (samples++ % TASK_EVERY == 0) {
                tasksSeen();
            }
        } catch (RuntimeException e) {
            // Streams closing under us, or not running yet: the next sample tries again.
            LOG.debug("stream thread sample failed: {}", e.toString());
        }
    }

    private void pollSeen(String threadName, double polls) {
        // Joining the group and creating the first tasks is not starvation: watch from the first RUNNING on.
        if (threadName == null || !running) {
            return;
        }
        Watched w = threads.computeIfAbsent(threadName, this::watch);
        if (w == null) {
            return;
        }
        if (polls != w.polls) {
            w.polls = polls;
            w.heartbeat.beat();
        }
    }

    private Watched watch(String threadName) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(threadName)) {
                Duration limit = Duration.ofMillis(Math.max(1, Math.round(maxPollIntervalMs * StreamsSettings.STALL_SHARE)));
                return new Watched(watchdog.watchThread(t, limit, (thread, silentMillis) -> "STALL stream-thread "
                        + thread + " has not polled for " + silentMillis + " ms (max.poll.interval.ms "
                        + maxPollIntervalMs + "), state() " + streams.state()));
            }
        }
        return null;
    }

    private void tasksSeen() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
            return;
        }
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            Set<String> now = new TreeSet<>();
            thread.activeTasks().forEach(t -> now.add(t.taskId().toString()));
            Set<String> before = tasks.getOrDefault(thread.threadName(), Set.of());
            Set<String> gone = new TreeSet<>(before);
            gone.removeAll(now);
            Set<String> added = new TreeSet<>(now);
            added.removeAll(before);
            if (!gone.isEmpty()) {
                LOG.info("TASKS revoked {} {}", thread.threadName(), gone);
            }
            if (!added.isEmpty()) {
                LOG.info("TASKS assigned {} {}", thread.threadName(), added);
            }
            tasks.put(thread.threadName(), now);
        }
    }

    /** Why a liveness probe should fail: a StreamThread that has not polled for half of max.poll.interval.ms. */
    Optional<String> silentThread() {
        List<String> silent = new ArrayList<>();
        long half = Math.round(maxPollIntervalMs * StreamsSettings.STALL_SHARE);
        threads.forEach((name, w) -> {
            long ms = w.heartbeat.currentSilenceMillis();
            if (ms > half) {
                silent.add(name + " has not polled for " + ms + " ms, past half of max.poll.interval.ms "
                        + maxPollIntervalMs);
            }
        });
        return silent.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", silent));
    }

    /** The longest gap between two polls of any StreamThread so far. */
    long maxPollGapMillis() {
        return threads.values().stream().mapToLong(w -> w.heartbeat.maxGapMillis()).max().orElse(0);
    }

    /** The heartbeats by thread name (for metrics and tests). */
    Map<String, Heartbeat> heartbeats() {
        Map<String, Heartbeat> m = new HashMap<>();
        threads.forEach((name, w) -> m.put(name, w.heartbeat));
        return m;
    }

    /** Stops watching: Streams is closing, and a closing thread stops polling on purpose. */
    @Override
    public void close() {
        sampler.shutdownNow();
        try {
            sampler.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.values().forEach(w -> w.heartbeat.close());
        watchdog.close();
    }
}
