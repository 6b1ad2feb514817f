package dev.starvation.kafka.broker;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A daemon thread that asks the broker who it is every second and logs one line when it stops answering
 * ({@code BROKER unreachable}) and one when it answers again ({@code BROKER back}), so an outage reads as two lines
 * rather than as the client's reconnection warnings.
 */
public final class BrokerMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerMonitor.class);
    private static final Duration PERIOD = Duration.ofSeconds(1);

    private final String bootstrapServers;
    private final Admin admin;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long outages;

    /** Starts watching the broker at {@code bootstrapServers}. */
    public BrokerMonitor(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        this.admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, PERIOD));
        this.thread = new Thread(this::run, "broker-monitor");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        long downSince = -1;
        while (running) {
            long started = System.nanoTime();
            String problem = check();
            if (problem != null && downSince < 0) {
                downSince = started;
                outages++;
                LOG.warn("BROKER unreachable at {}: {}", bootstrapServers, problem);
            } else if (problem == null && downSince >= 0) {
                LOG.info("BROKER back at {} after {} ms", bootstrapServers, (System.nanoTime() - downSince) / 1_000_000);
                downSince = -1;
            }
            long rest = PERIOD.toMillis() - (System.nanoTime() - started) / 1_000_000;
            if (rest > 0 && !pause(rest)) {
                return;
            }
        }
    }

    private String check() {
        try {
            BrokerCheck.describe(admin, PERIOD);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e.toString() : e.getCause().getClass().getSimpleName();
        } catch (TimeoutException e) {
            return "no answer within " + PERIOD.toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** How many outages were seen. */
    public long outages() {
        return outages;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(1));
    }
}
