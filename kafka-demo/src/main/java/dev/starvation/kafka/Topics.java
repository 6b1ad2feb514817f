package dev.starvation.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the demo's topics when they are missing. */
public final class Topics {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Topics() {
    }

    /**
     * Creates {@code topic} with {@code partitions} partitions (replication factor 1) unless it exists.
     *
     * @return true if it was created now
     */
    public static boolean ensure(String bootstrapServers, String topic, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
        }
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, TIMEOUT))) {
            Set<String> names = Waiting.get(admin.listTopics().names(), TIMEOUT, "cannot list topics");
            if (names.contains(topic)) {
                return false;
            }
            Waiting.get(admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all(), TIMEOUT,
                    "cannot create topic " + topic);
            return true;
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }
}
