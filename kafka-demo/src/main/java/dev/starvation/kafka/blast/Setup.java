package dev.starvation.kafka.blast;

import dev.starvation.kafka.consume.ConsumerSettings;
import dev.starvation.kafka.consume.Mode;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.RangeAssignor;

/** The three ways a group can take one starved member's partitions away: which protocol, which assignor. */
public enum Setup {
    /** Classic protocol, RangeAssignor: every member gives up every partition at every rebalance. */
    EAGER(GroupProtocol.CLASSIC, RangeAssignor.class.getName()),
    /** Classic protocol, CooperativeStickyAssignor: only the partitions that move are revoked, over two rebalances. */
    COOPERATIVE(GroupProtocol.CLASSIC, CooperativeStickyAssignor.class.getName()),
    /** The consumer protocol (KIP-848): the coordinator assigns, member by member, with the broker's assignor. */
    CONSUMER(GroupProtocol.CONSUMER, null);

    private final GroupProtocol protocol;
    private final String assignor;

    Setup(GroupProtocol protocol, String assignor) {
        this.protocol = protocol;
        this.assignor = assignor;
    }

    /** The name as typed on the command line and printed in the SUMMARY line. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * One member's client properties: the demo's consumer settings (manual commits, from the earliest offset, the
     * classic heartbeat at a fifth of max.poll.interval.ms) under this setup's protocol and assignor.
     */
    Properties kafkaProperties(BlastSettings settings, String bootstrapServers, String group, String clientId) {
        Properties p = ConsumerSettings.defaults(bootstrapServers, settings.topic(), group, Mode.NAIVE)
                .withProtocol(protocol).withPolling(settings.maxPollRecords(), settings.maxPollIntervalMs())
                .kafkaProperties(clientId);
        if (assignor != null) {
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
        }
        return p;
    }
}
