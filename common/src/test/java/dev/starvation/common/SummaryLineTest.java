package dev.starvation.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SummaryLineTest {

    @Test
    void printsFieldsInTheOrderAdded() {
        String line = new SummaryLine().add("probes", 12).add("ok", 9).add("restart", true).toString();
        assertThat(line).isEqualTo("SUMMARY probes=12 ok=9 restart=yes");
    }

    @Test
    void readsBackALoggedLine() {
        SummaryLine s = SummaryLine.parse("12:00:01.000 [main] SUMMARY mode=naive rebalances=3 restart=no");
        assertThat(s.get("mode")).isEqualTo("naive");
        assertThat(s.getLong("rebalances")).isEqualTo(3);
        assertThat(s.fields()).containsOnlyKeys("mode", "rebalances", "restart");
    }

    @Test
    void refusesValuesThatWouldBreakTheLine() {
        assertThatThrownBy(() -> new SummaryLine().add("mode", "two words"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two words");
        assertThatThrownBy(() -> SummaryLine.parse("PROBE ok 3ms")).hasMessageContaining("not a SUMMARY line");
        assertThatThrownBy(() -> SummaryLine.parse("SUMMARY x=1").get("y")).hasMessageContaining("no field 'y'");
    }
}
