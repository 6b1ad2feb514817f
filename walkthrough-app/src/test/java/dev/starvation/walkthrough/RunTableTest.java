package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.SummaryLine;
import org.junit.jupiter.api.Test;

class RunTableTest {

    @Test
    void putsProbeAndConsumerRunsSideBySide() {
        RunTable table = new RunTable();
        table.probe("http: bug", SummaryLine.parse("SUMMARY probes=14 ok=8 failed=6 max_consecutive_failures=6 restart=yes"));
        table.consumer("kafka: naive", SummaryLine.parse("SUMMARY mode=naive protocol=classic records=5 processed=8"
                + " duplicates=3 rebalances=1 commit_failures=1 committed=0 max_poll_gap_ms=7512"));

        String[] lines = table.toString().split("\n");
        assertThat(lines[0]).contains("run", "probe failures", "restart verdict", "rebalances", "duplicates", "committed");
        assertThat(lines[2]).startsWith("http: bug").containsPattern("6\\s+yes\\s+-\\s+-\\s+-$");
        assertThat(lines[3]).startsWith("kafka: naive").containsPattern("-\\s+-\\s+1\\s+3\\s+0$");
    }
}
