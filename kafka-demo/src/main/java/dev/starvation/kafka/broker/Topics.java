package dev.starvation.kafka.broker;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the demo's topics when they are missing. */
public final class Topics {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RETRY = Duration.ofSeconds(2);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(50);
    private static final int MAX_ATTEMPTS = 100;

    private Topics() {
    }

    /**
     * Waits until every partition's leader answers for it. Creation returns once the controller has the topic; a busy
     * broker may still be making itself leader, and a producer that sends then gets NOT_LEADER_OR_FOLLOWER (seen under
     * load, followed by an idempotent producer stuck on OutOfOrderSequenceException). Listing offsets goes to the
     * leader's own log, and the admin client retries it until the leader has the partition.
     */
    public static void awaitLeaders(Admin admin, String topic, int partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        // The admin client's own metadata may not know the topic yet either: ask again, briefly, until it does.
        for (int attempt = 1; ; attempt++) {
            try {
                Waiting.get(admin.listOffsets(latest).all(), RETRY, "topic " + topic + " has partitions without leader");
                return;
            } catch (IllegalStateException notYet) {
                if (System.nanoTime() > deadline || attempt >= MAX_ATTEMPTS) {
                    throw notYet;
                }
                pause();
            }
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for partition leaders", e);
        }
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
            awaitLeaders(admin, topic, partitions);
            return true;
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }
}
