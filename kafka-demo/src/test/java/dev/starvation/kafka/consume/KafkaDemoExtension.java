package dev.starvation.kafka.consume;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Everything a kafka-demo test class on a broker registers, as one static extension: the class's embedded broker
 * ({@link BrokerExtension}), what each test logs ({@link LogExtension}), and the consumers a failed test left running
 * stopped after it ({@link StopLeftoverConsumers}), in that order.
 */
public final class KafkaDemoExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final BrokerExtension broker = new BrokerExtension();
    private final LogExtension log = new LogExtension();
    private final StopLeftoverConsumers leftovers = new StopLeftoverConsumers();

    /** The broker of this class gets {@code key=value} on top of the demo's settings. */
    public KafkaDemoExtension withConfig(String key, String value) {
        broker.withConfig(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker.beforeAll(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        broker.afterAll(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        log.beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        // Consumers first: what they log while stopping belongs to this test, and the capture is still open.
        try {
            leftovers.afterEach(context);
        } finally {
            log.afterEach(context);
        }
    }

    /** Where clients connect. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Topics, names and settings on this broker. */
    Fixture fixture() {
        return broker.fixture();
    }

    /** The running broker (tests of outages stop and start it). */
    dev.starvation.kafka.broker.EmbeddedBroker broker() {
        return broker.broker();
    }

    /** What the demo logged during this test, in order. */
    List<String> lines() {
        return log.lines();
    }

    /** The lines of this test starting with {@code word}. */
    List<String> linesStartingWith(String word) {
        return log.linesStartingWith(word);
    }

    /** The stacks logged with lines starting with {@code word}. */
    List<String> stacksOf(String word) {
        return log.stacksOf(word);
    }

    /** Index of the first line of this test containing {@code fragment}, or -1. */
    int indexOfFirst(String fragment) {
        return log.indexOfFirst(fragment);
    }
}
