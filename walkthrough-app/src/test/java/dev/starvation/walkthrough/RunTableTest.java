package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starvation.common.SummaryLine;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunTableTest {

    @Test
    void putsProbeSupervisedConsumerAndShareGroupRunsSideBySide() {
        RunTable table = new RunTable();
        SummaryLine lost = SummaryLine.parse("SUMMARY requests=1 ok=0 rejected=0 failed=0 lost=1 retries=0 max_ms=2705");
        table.supervised("http: bug", SummaryLine.parse("SUMMARY probes=24 ok=18 failed=6 max_consecutive_failures=3"
                + " restarts=2 sigkills=2 exits=0"), List.of(lost, lost));
        table.supervised("http: fix", SummaryLine.parse("SUMMARY probes=20 ok=20 failed=0 max_consecutive_failures=0"
                + " restarts=0 sigkills=0 exits=0"), List.of(SummaryLine.parse("SUMMARY requests=1 ok=1 rejected=0"
                + " failed=0 lost=0 retries=0 max_ms=5004")));
        table.probe("http: tuned", SummaryLine.parse("SUMMARY probes=14 ok=14 failed=0 held=0 warnings=0"
                + " max_consecutive_failures=0 restart=no"));
        table.consumer("kafka: naive", SummaryLine.parse("SUMMARY mode=naive protocol=classic records=5 processed=8"
                + " duplicates=3 rebalances=1 commit_failures=1 committed=0 max_poll_gap_ms=7512"));
        table.share("kafka share: bug", SummaryLine.parse("SUMMARY mode=share members=2 lock_ms=1000"
                + " delivery_limit=3 records=4 processed=12 duplicates=8 concurrent=4 refused_acks=8 archived=4"
                + " acknowledged=0 pending=0"));

        String[] lines = table.toString().split("\n");
        assertThat(lines[0]).contains("run", "probe failures", "restart verdict", "restarts", "lost requests",
                "rebalances", "duplicates", "committed", "archived");
        assertThat(lines[2]).startsWith("http: bug").containsPattern("\\s6\\s+yes\\s+2\\s+2\\s+-\\s+-\\s+-\\s+-$");
        assertThat(lines[3]).startsWith("http: fix").containsPattern("\\s0\\s+no\\s+0\\s+0\\s+-\\s+-\\s+-\\s+-$");
        assertThat(lines[4]).startsWith("http: tuned").containsPattern("\\s0\\s+no\\s+-\\s+-\\s+-\\s+-\\s+-\\s+-$");
        assertThat(lines[5]).startsWith("kafka: naive").containsPattern("-\\s+-\\s+-\\s+-\\s+1\\s+3\\s+0\\s+-$");
        assertThat(lines[6]).startsWith("kafka share: bug").containsPattern("-\\s+-\\s+-\\s+-\\s+-\\s+8\\s+0\\s+4$");
    }
}
