package dev.starvation.kafka;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The consumer scenarios against the embedded KRaft broker, started once for the class. */
class EmbeddedBrokerScenariosTest extends ConsumerScenarios {

    private static EmbeddedBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedBroker.onPort(0);
        broker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Override
    String bootstrapServers() {
        return broker.bootstrapServers();
    }
}
