package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeSeriesTest {

    @Test
    void readsLatencyAndVerdictOfEveryProbeLine() {
        ProbeSeries s = ProbeSeries.parse("bug", List.of(
                "10:00:00.000 [main] PROBE ok 3ms",
                "10:00:00.500 [main] REQUEST something else",
                "10:00:01.000 [main] PROBE FAIL timeout after 500ms (1/3)",
                "10:00:01.500 [main] PROBE FAIL connection refused (2/3)",
                "10:00:01.600 [main] PROBE RESTART after 3 consecutive failures",
                "10:00:02.000 [main] SUMMARY probes=3 ok=1 failed=2"), 500);

        assertThat(s.points()).containsExactly(
                new ProbeSeries.Point(0.0, 3, false),
                new ProbeSeries.Point(1.0, 500, true),
                new ProbeSeries.Point(1.5, 500, true));
        assertThat(s.failures()).isEqualTo(2);
    }

    @Test
    void keepsTimeRunningAcrossMidnight() {
        ProbeSeries s = ProbeSeries.parse("late", List.of(
                "23:59:59.500 [main] PROBE ok 2ms", "00:00:00.500 [main] PROBE ok 4ms"), 500);
        assertThat(s.points().get(1).seconds()).isEqualTo(1.0);
    }
}
