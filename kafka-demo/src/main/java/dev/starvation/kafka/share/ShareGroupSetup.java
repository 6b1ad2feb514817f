package dev.starvation.kafka.share;

import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Waiting;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets a share group's lock and delivery limit on the broker before anyone subscribes (they are group configs, not
 * client ones), and reads back whether the group lets members renew their locks.
 */
final class ShareGroupSetup {

    private static final Logger LOG = LoggerFactory.getLogger(ShareGroupSetup.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    static final String LOCK = "share.record.lock.duration.ms";
    static final String LIMIT = "share.delivery.count.limit";
    static final String RESET = "share.auto.offset.reset";
    static final String RENEW = "share.renew.acknowledge.enable";

    /** What the group runs with, as the broker describes it after the change. */
    record GroupConfig(int lockMs, int deliveryLimit, boolean renewEnabled) {
    }

    private ShareGroupSetup() {
    }

    /**
     * Sets {@code share.record.lock.duration.ms}, {@code share.delivery.count.limit} and
     * {@code share.auto.offset.reset=earliest} (records sent before the group's first member are delivered too), one
     * at a time so that a refusal names the option it came from, and logs one {@code GROUP} line with the result.
     *
     * @throws IllegalArgumentException if the broker refuses a value, naming the broker settings that bound it
     */
    static GroupConfig apply(ShareSettings settings) {
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(settings.bootstrapServers(), TIMEOUT))) {
            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, settings.group());
            set(admin, group, LOCK, settings.lockMs(), "--lock-ms",
                    "group.share.min.record.lock.duration.ms", "group.share.max.record.lock.duration.ms");
            set(admin, group, LIMIT, settings.deliveryLimit(), "--delivery-limit",
                    "group.share.min.delivery.count.limit", "group.share.max.delivery.count.limit");
            set(admin, group, RESET, "earliest", RESET, null, null);
            Config config = Waiting.get(admin.describeConfigs(List.of(group)).all(), TIMEOUT,
                    "cannot describe share group " + settings.group()).get(group);
            GroupConfig result = new GroupConfig(Integer.parseInt(value(config, LOCK)),
                    Integer.parseInt(value(config, LIMIT)), Boolean.parseBoolean(value(config, RENEW)));
            LOG.info("GROUP {} {}={} {}={} {}=earliest {}={}", settings.group(), LOCK, result.lockMs(), LIMIT,
                    result.deliveryLimit(), RESET, RENEW, result.renewEnabled());
            return result;
        }
    }

    /**
     * Whether the group lets members renew locks now, as the broker describes it. A refused RENEW comes back as a bare
     * InvalidRecordStateException whatever the reason, so this is how a member learns that renewal was switched off.
     */
    static boolean renewEnabled(String bootstrapServers, String groupId) {
        try (Admin admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, TIMEOUT))) {
            ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, groupId);
            Config config = Waiting.get(admin.describeConfigs(List.of(group)).all(), TIMEOUT,
                    "cannot describe share group " + groupId).get(group);
            return Boolean.parseBoolean(value(config, RENEW));
        }
    }

    private static void set(Admin admin, ConfigResource group, String name, Object value, String option,
            String minSetting, String maxSetting) {
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(name, String.valueOf(value)), AlterConfigOp.OpType.SET);
        try {
            admin.incrementalAlterConfigs(Map.of(group, List.of(op))).all()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if ((cause instanceof InvalidConfigurationException || cause instanceof InvalidRequestException)
                    && minSetting != null) {
                throw new IllegalArgumentException("the broker refused " + option + " " + value + " for share group "
                        + group.name() + ": " + cause.getMessage() + "; " + bounds(admin, minSetting, maxSetting),
                        cause);
            }
            throw new IllegalStateException("cannot set " + name + "=" + value + " on share group " + group.name()
                    + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot set " + name + " on share group " + group.name()
                    + ": no answer within " + TIMEOUT.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting " + name, e);
        }
    }

    /** The broker's own bounds, read from it: {@code this broker allows min.setting=1000 .. max.setting=60000}. */
    private static String bounds(Admin admin, String minSetting, String maxSetting) {
        try {
            String node = Waiting.get(admin.describeCluster().nodes(), TIMEOUT, "cannot describe the cluster")
                    .iterator().next().idString();
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, node);
            Config config = Waiting.get(admin.describeConfigs(List.of(broker)).all(), TIMEOUT,
                    "cannot describe broker " + node).get(broker);
            return "this broker allows " + minSetting + "=" + value(config, minSetting) + " .. " + maxSetting + "="
                    + value(config, maxSetting);
        } catch (RuntimeException e) {
            return "the broker settings " + minSetting + " and " + maxSetting + " bound it";
        }
    }

    private static String value(Config config, String name) {
        ConfigEntry entry = config.get(name);
        if (entry == null || entry.value() == null) {
            throw new IllegalStateException("the broker does not describe " + name + " (is it older than Kafka 4.2?)");
        }
        return entry.value();
    }
}
