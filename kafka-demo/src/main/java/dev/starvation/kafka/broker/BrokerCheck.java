package dev.starvation.kafka.broker;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Asks a broker who it is, with a short timeout, so a wrong address fails fast with a clear message. */
public final class BrokerCheck {

    private BrokerCheck() {
    }

    /** Admin client settings that give up within {@code timeout} instead of Kafka's default minute. */
    public static Properties adminProperties(String bootstrapServers, Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return p;
    }

    /**
     * Returns normally if a broker at {@code bootstrapServers} answers within {@code timeout}.
     *
     * @throws IllegalStateException naming the address and the timeout otherwise
     */
    public static void requireReachable(String bootstrapServers, Duration timeout) {
        try (Admin admin = Admin.create(adminProperties(bootstrapServers, timeout))) {
            describe(admin, timeout);
        } catch (ExecutionException | TimeoutException e) {
            throw unreachable(bootstrapServers, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unreachable(bootstrapServers, timeout, e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IllegalStateException("cannot reach a broker at " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }

    /** One cluster description within {@code timeout}, or an exception saying why not. */
    static void describe(Admin admin, Duration timeout)
            throws ExecutionException, InterruptedException, TimeoutException {
        admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                .nodes().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
    }

    private static IllegalStateException unreachable(String bootstrapServers, Duration timeout, Exception e) {
        return new IllegalStateException("broker unreachable at " + bootstrapServers + ": no answer within "
                + timeout.toMillis() + " ms (is a broker running there? start one with 'kafka-demo broker')", e);
    }
}
