package dev.starvation.kafka.consume;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** After each test, stops the consumers it started and did not stop (its assertion or await failed first). */
public final class StopLeftoverConsumers implements AfterEachCallback {

    private static final Logger LOG = LoggerFactory.getLogger(StopLeftoverConsumers.class);
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> stopped = RunningConsumer.stopLeftovers(LIMIT);
        if (!stopped.isEmpty()) {
            LOG.info("TEST {} left consumers running, stopped now: {}", context.getDisplayName(), stopped);
        }
    }
}
