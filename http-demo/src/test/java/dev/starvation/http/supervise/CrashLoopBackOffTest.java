package dev.starvation.http.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CrashLoopBackOffTest {

    private static final Duration SHORT_RUN = Duration.ofSeconds(30);

    @Test
    void firstRestartIsAtOnceThenTheDelayDoublesUpToTheMax() {
        CrashLoopBackOff backOff = new CrashLoopBackOff(Duration.ofSeconds(10), Duration.ofMinutes(5),
                Duration.ofMinutes(10));

        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ZERO);
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofSeconds(20));
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofSeconds(40));
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofSeconds(80));
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofSeconds(160));
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofMinutes(5));
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aTargetThatRanTenMinutesRestartsAtOnceAgain() {
        CrashLoopBackOff backOff = new CrashLoopBackOff(Duration.ofSeconds(10), Duration.ofMinutes(5),
                Duration.ofMinutes(10));
        backOff.next(SHORT_RUN);
        backOff.next(SHORT_RUN);
        backOff.next(SHORT_RUN);
        assertThat(backOff.next(SHORT_RUN)).isEqualTo(Duration.ofSeconds(40));

        assertThat(backOff.next(Duration.ofMinutes(10))).isEqualTo(Duration.ZERO);
        assertThat(backOff.next(Duration.ofMinutes(9))).isEqualTo(Duration.ofSeconds(10));
    }
}
