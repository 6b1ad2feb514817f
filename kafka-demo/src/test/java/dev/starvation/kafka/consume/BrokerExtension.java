package dev.starvation.kafka.consume;

import dev.starvation.kafka.broker.EmbeddedBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One embedded broker for a whole test class: started before the first test, stopped after the last. */
public final class BrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private final java.util.Map<String, String> config = new java.util.LinkedHashMap<>();
    private EmbeddedBroker broker;

    /** The broker of this class gets {@code key=value} on top of the demo's settings. */
    public BrokerExtension withConfig(String key, String value) {
        config.put(key, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = EmbeddedBroker.onPort(0);
        config.forEach(broker::withConfig);
        broker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        broker.close();
    }

    /** The running broker (tests of outages stop and start it). */
    EmbeddedBroker broker() {
        return broker;
    }

    /** Where clients connect. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Topics, names and settings on this broker. */
    Fixture fixture() {
        return new Fixture(broker.bootstrapServers());
    }
}
