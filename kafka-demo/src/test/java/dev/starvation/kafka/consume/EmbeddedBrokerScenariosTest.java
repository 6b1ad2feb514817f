package dev.starvation.kafka.consume;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The consumer scenarios against the embedded KRaft broker, started once for the class. */
class EmbeddedBrokerScenariosTest extends ConsumerScenarios {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    @Override
    String bootstrapServers() {
        return BROKER.bootstrapServers();
    }
}
