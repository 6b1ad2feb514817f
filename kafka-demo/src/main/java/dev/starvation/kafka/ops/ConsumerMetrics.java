package dev.starvation.kafka.ops;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.metrics.HeartbeatMetrics;
import dev.starvation.common.metrics.PrometheusMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import dev.starvation.kafka.KafkaVersion;

/**
 * The consumer's metrics, served as Prometheus text on the admin server's {@code /metrics}: the Kafka client's own
 * through Micrometer's {@link KafkaClientMetrics} ({@code kafka_consumer_last_poll_seconds_ago},
 * {@code kafka_consumer_poll_idle_ratio_avg}, {@code kafka_consumer_coordinator_failed_rebalance_total}, …; the ones
 * Kafka reports in milliseconds under names without a unit dropped, and the poll gap republished in seconds:
 * {@code kafka_consumer_time_between_poll_max_seconds}), the poll watchdog's gap, the records in flight and the oldest
 * one's age, duplicates, commit failures, dead letters, and the JVM's.
 */
public final class ConsumerMetrics implements AutoCloseable {

    /** Where the admin server serves them. */
    public static final String PATH = "/metrics";
    /** How often the Kafka binder looks for meters the client added (per-partition lag appears after assignment). */
    private static final Duration KAFKA_REFRESH = Duration.ofSeconds(5);

    private final PrometheusMetrics metrics = new PrometheusMetrics();
    private final ScheduledExecutorService kafkaRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kafka-metrics-refresh");
        t.setDaemon(true);
        return t;
    });
    /** Kafka's millisecond meters that the alerts and the dashboard use: group, name, and the name in seconds. */
    private static final List<String[]> IN_SECONDS = List.of(
            new String[] {"consumer-metrics", "time-between-poll-max", "kafka.consumer.time.between.poll.max"},
            new String[] {"consumer-metrics", "time-between-poll-avg", "kafka.consumer.time.between.poll.avg"});

    private KafkaClientMetrics kafka;

    /** The answer to {@code GET /metrics}. */
    public AdminServer.Response scrape() {
        return new AdminServer.Response(200, PrometheusMetrics.CONTENT_TYPE, metrics.scrape());
    }

    /** The registry, for tests. */
    public MeterRegistry registry() {
        return metrics.registry();
    }

    /**
     * Binds one consumer's meters, tagged {@code client_id} as the Kafka client's are, so a rule can join them.
     *
     * @param pollThread the poll watchdog's heartbeat: the gap between polls as the demo's own watchdog sees it
     */
    public void bind(Consumer<?, ?> consumer, String clientId, int maxPollIntervalMs, Heartbeat pollThread,
            RunStats stats, IntSupplier inFlight, LongSupplier oldestInFlightMillis, Optional<Duration> deadline) {
        Tags tags = Tags.of("client_id", clientId);
        // Kafka's value is in ms under a name without a unit (the lint filter drops it): the same in seconds. Registered
        // first and tagged as the binder tags the meter of that name, so the binder keeps this one instead of its own.
        Tags kafkaTags = Tags.of("client.id", clientId, "kafka.version", KafkaVersion.get());
        for (String[] m : IN_SECONDS) {
            TimeGauge.builder(m[2], consumer, TimeUnit.MILLISECONDS, c -> kafkaValue(c, m[0], m[1]))
                    .description("Kafka's " + m[1] + " (" + m[0] + "), in seconds")
                    .strongReference(true).tags(kafkaTags).register(registry());
        }
        kafka = new KafkaClientMetrics(consumer, Tags.empty(), kafkaRefresh, KAFKA_REFRESH);
        kafka.bindTo(registry());
        HeartbeatMetrics.bind(registry(), pollThread, "consumer.poll.gap", "consumer.poll",
                "poll thread's silence between two poll() calls", tags);
        // Held strongly: a gauge keeps only a weak reference to its object, and a boxed int is soon collected.
        TimeGauge.builder("consumer.max.poll.interval", maxPollIntervalMs, TimeUnit.MILLISECONDS, ms -> ms)
                .description("max.poll.interval.ms: past this gap between polls the client leaves its group")
                .strongReference(true).tags(tags).register(registry());
        gauge("consumer.records.in.flight", "Records being processed now", tags, inFlight,
                IntSupplier::getAsInt);
        TimeGauge.builder("consumer.oldest.in.flight.record.age", oldestInFlightMillis, TimeUnit.MILLISECONDS,
                        LongSupplier::getAsLong)
                .description("How long the oldest record being processed has run; 0 when none is")
                .strongReference(true).tags(tags).register(registry());
        deadline.ifPresent(d -> TimeGauge.builder("consumer.record.deadline", d.toMillis(), TimeUnit.MILLISECONDS,
                        ms -> ms)
                .description("--record-deadline: how long one attempt at a record may run before its worker is"
                        + " interrupted")
                .strongReference(true).tags(tags).register(registry()));
        counter("consumer.duplicates", "Processings of a record beyond its first", tags, stats, RunStats::duplicates);
        counter("consumer.commit.failures", "Offset commits the broker refused or that timed out", tags, stats,
                RunStats::commitFailures);
        counter("consumer.dead.letters", "Records that could not be processed and went to the dead-letter topic", tags,
                stats, RunStats::deadLetteredRecords);
        counter("consumer.rebalances", "Rebalances that took partitions from this member after its first assignment",
                tags, stats, RunStats::rebalances);
    }

    /** A Kafka client metric's current value, NaN until the client has it (or once the consumer is closed). */
    private static double kafkaValue(Consumer<?, ?> consumer, String group, String name) {
        try {
            for (Map.Entry<MetricName, ? extends Metric> e : consumer.metrics().entrySet()) {
                if (e.getKey().name().equals(name) && e.getKey().group().equals(group)
                        && e.getValue().metricValue() instanceof Number n) {
                    return n.doubleValue();
                }
            }
        } catch (RuntimeException closed) {
            // A closed consumer has no metrics to read.
        }
        return Double.NaN;
    }

    private <T> void gauge(String name, String help, Tags tags, T obj, ToDoubleFunction<T> value) {
        // Held strongly: a gauge keeps only a weak reference to its object, and a lambda may have no other.
        Gauge.builder(name, obj, value).description(help).strongReference(true).tags(tags).register(registry());
    }

    private <T> void counter(String name, String help, Tags tags, T obj, ToDoubleFunction<T> value) {
        FunctionCounter.builder(name, obj, value).description(help).tags(tags).register(registry());
    }

    /** Unbinds the Kafka client's meters (the consumer is closing); the demo's own stay, frozen at their last value. */
    public void consumerClosed() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    @Override
    public void close() {
        consumerClosed();
        kafkaRefresh.shutdownNow();
        metrics.close();
    }
}
