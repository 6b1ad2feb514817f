package dev.starvation.kafka.consume;

import dev.starvation.kafka.KafkaVersion;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same consumer scenarios against the official apache/kafka image of the clients' own version, where Docker runs;
 * skipped where it does not.
 * The broker gets the embedded broker's second-scale group settings through the image's environment variables.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerScenariosTest extends ConsumerScenarios {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:" + KafkaVersion.get())
            .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
            .withEnv("KAFKA_GROUP_CONSUMER_SESSION_TIMEOUT_MS", "6000")
            .withEnv("KAFKA_GROUP_CONSUMER_MIN_SESSION_TIMEOUT_MS", "3000")
            .withEnv("KAFKA_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS", "500")
            .withEnv("KAFKA_GROUP_CONSUMER_MIN_HEARTBEAT_INTERVAL_MS", "500")
            .withEnv("KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", "3000");

    @Override
    String bootstrapServers() {
        return KAFKA.getBootstrapServers();
    }
}
