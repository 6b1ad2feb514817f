package dev.starvation.kafka;

import picocli.CommandLine.IVersionProvider;

/** What {@code --version} prints: this demo and the Kafka version it runs (clients and embedded broker alike). */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"kafka-demo (Apache Kafka " + KafkaVersion.get() + ")"};
    }
}
