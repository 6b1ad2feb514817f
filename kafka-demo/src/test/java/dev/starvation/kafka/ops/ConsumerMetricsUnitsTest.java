package dev.starvation.kafka.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.StallWatchdog;
import dev.starvation.common.metrics.PrometheusText;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Units in the names match the values: the Kafka client's times, which it reports in milliseconds under names without
 * a unit, are gone, and the gap between polls is published in seconds under a {@code _seconds} name.
 * A consumer that never connects has these meters from its construction, so no broker is needed.
 */
class ConsumerMetricsUnitsTest {

    @Test
    void kafkasMillisecondMetersArePublishedInSecondsOnly() throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "units");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "units-1");
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer());
             StallWatchdog watchdog = new StallWatchdog(Duration.ofMillis(100));
             ConsumerMetrics metrics = new ConsumerMetrics()) {
            metrics.bind(consumer, "units-1", 3000,
                    watchdog.watchThread(Thread.currentThread(), Duration.ofSeconds(1), (t, ms) -> "STALL " + t),
                    new RunStats(), () -> 0, () -> 0L, Optional.empty());
            PrometheusText text = PrometheusText.parse(metrics.scrape().body());
            assertThat(text.type("kafka_consumer_time_between_poll_max_seconds")).hasValue("gauge");
            assertThat(text.all("kafka_consumer_time_between_poll_max_seconds")).singleElement()
                    .satisfies(s -> assertThat(s.label("client_id")).isEqualTo("units-1"));
            assertThat(text.samples()).as("a Kafka time in ms under a name without a unit")
                    .noneMatch(s -> s.name().startsWith("kafka_") && s.name().matches(".*_(latency|time)_(avg|max|total)"));
            assertThat(text.all("kafka_consumer_last_poll_seconds_ago")).isNotEmpty();
        }
    }
}
