package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.SummaryLine;
import org.junit.jupiter.api.Test;

class RunTableTest {

    @Test
    void putsProbeConsumerAndShareGroupRunsSideBySide() {
        RunTable table = new RunTable();
        table.probe("http: bug", SummaryLine.parse("SUMMARY probes=14 ok=8 failed=6 max_consecutive_failures=6 restart=yes"));
        table.consumer("kafka: naive", SummaryLine.parse("SUMMARY mode=naive protocol=classic records=5 processed=8"
                + " duplicates=3 rebalances=1 commit_failures=1 committed=0 max_poll_gap_ms=7512"));
        table.share("kafka share: bug", SummaryLine.parse("SUMMARY mode=share members=2 lock_ms=1000"
                + " delivery_limit=3 records=4 processed=12 duplicates=8 concurrent=4 refused_acks=8 archived=4"
                + " acknowledged=0 pending=0"));

        String[] lines = table.toString().split("\n");
        assertThat(lines[0]).contains("run", "probe failures", "restart verdict", "rebalances", "duplicates", "committed",
                "archived");
        assertThat(lines[2]).startsWith("http: bug").containsPattern("6\\s+yes\\s+-\\s+-\\s+-\\s+-$");
        assertThat(lines[3]).startsWith("kafka: naive").containsPattern("-\\s+-\\s+1\\s+3\\s+0\\s+-$");
        assertThat(lines[4]).startsWith("kafka share: bug").containsPattern("-\\s+-\\s+-\\s+8\\s+0\\s+4$");
    }
}
