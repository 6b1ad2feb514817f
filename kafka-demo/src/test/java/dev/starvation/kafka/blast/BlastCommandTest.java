package dev.starvation.kafka.blast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.kafka.KafkaDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code blast}'s options as a user types them: bad values are refused before any broker is started. */
class BlastCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return KafkaDemo.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void unknownSetupIsRefusedWithTheChoices() {
        assertThat(run("blast", "--setup", "eager,sticky")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--setup'").contains("sticky")
                .containsIgnoringCase("cooperative").containsIgnoringCase("consumer");
    }

    @Test
    void valuesThatCannotMakeTheStoryAreRefusedNamingTheOption() {
        assertThat(run("blast", "--members", "1")).isEqualTo(1);
        assertThat(run("blast", "--partitions", "3")).isEqualTo(1);
        assertThat(run("blast", "--rate", "0")).isEqualTo(1);
        assertThat(run("blast", "--process-ms", "-1")).isEqualTo(1);
        assertThat(run("blast", "--max-poll-records", "0")).isEqualTo(1);
        assertThat(run("blast", "--starve", "0s")).isEqualTo(1);
        assertThat(run("blast", "--starve-at", "25s", "--duration", "30s")).isEqualTo(1);
        assertThat(run("blast", "--setup", "eager,eager")).isEqualTo(1);
        assertThat(err.toString().lines().toList()).containsExactly(
                "ERROR blast: --members must be at least 2 (member 1 starves, the others are watched), got 1",
                "ERROR blast: --partitions must be at least --members (4), so that every member has a partition to"
                        + " lose, got 3",
                "ERROR blast: --rate must be between 1 and 10000 records/s, got 0",
                "ERROR blast: --process-ms must not be negative, got -1",
                "ERROR blast: --max-poll-records must be at least 1, got 0",
                "ERROR blast: --starve must be positive, got 0ms",
                "ERROR blast: --starve-at + --starve (33000 ms) must end before --duration (30000 ms): the run must"
                        + " see the starved member come back",
                "ERROR blast: --setup names a setup twice: [eager, eager]");
    }

    @Test
    void helpNamesEveryOptionOfTheIssue() {
        assertThat(run("blast", "--help")).isZero();
        assertThat(out.toString()).contains("--members", "--partitions", "--rate", "--process-ms",
                "--max-poll-records", "--starve", "--starve-at", "--setup", "--duration", "--bootstrap-servers",
                "--buckets");
    }
}
