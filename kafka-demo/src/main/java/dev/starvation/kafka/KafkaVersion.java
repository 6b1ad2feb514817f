package dev.starvation.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** The version of the Kafka clients on the class path, as the client reports it in its own {@code app-info} metrics. */
public final class KafkaVersion {

    // Read from the clients jar's own resource: AppInfoParser, which reads the same file, moved to an internal
    // package in 4.4 and is not an API to build on.
    private static final String VERSION = read();

    private KafkaVersion() {
    }

    /** For example {@code 4.4.0}. */
    public static String get() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = KafkaConsumer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties props = new Properties();
            props.load(in);
            return props.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
