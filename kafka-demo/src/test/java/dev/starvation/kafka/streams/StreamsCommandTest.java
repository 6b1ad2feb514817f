package dev.starvation.kafka.streams;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.kafka.KafkaDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code streams} refuses bad input before it starts anything, naming the option and the value. */
class StreamsCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return KafkaDemo.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void unknownModeProtocolAndGuaranteeAreRefusedWithTheChoices() {
        assertThat(run("streams", "--mode", "offload")).isEqualTo(2);
        assertThat(run("streams", "--protocol", "consumer")).isEqualTo(2);
        assertThat(run("streams", "--guarantee", "exactly_once")).isEqualTo(2);
        assertThat(err.toString())
                .contains("Invalid value for option '--mode'").containsIgnoringCase("split")
                .contains("Invalid value for option '--protocol'").containsIgnoringCase("streams")
                .contains("Invalid value for option '--guarantee'").contains("exactly_once_v2");
    }

    @Test
    void impossibleSettingsAreRefusedNamingTheOption() {
        assertThat(run("streams", "--threads", "0")).isEqualTo(1);
        assertThat(run("streams", "--topic", "jobs", "--output-topic", "jobs")).isEqualTo(1);
        assertThat(run("streams", "--progress-deadline", "0s")).isEqualTo(1);
        assertThat(run("streams", "--application-id", "no spaces")).isEqualTo(1);
        assertThat(run("streams", "--admin-port", "70000")).isEqualTo(1);
        assertThat(err.toString().lines().toList()).containsExactly(
                "ERROR streams: --threads must be at least 1, got 0",
                "ERROR streams: --output-topic must differ from --topic, both are jobs",
                "ERROR streams: --progress-deadline must be positive, got 0ms",
                "ERROR streams: --application-id may hold only letters, digits, '.', '_' and '-', got no spaces",
                "ERROR streams: --admin-port must be between 0 and 65535, got 70000");
    }
}
