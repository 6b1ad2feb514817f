package dev.starvation.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void readsNamesLabelsWithEscapesSpecialValuesAndTypes() {
        PrometheusText text = PrometheusText.parse("""
                # HELP a_seconds help text
                # TYPE a_seconds histogram
                a_seconds_bucket{le="0.5",path="/x\\"y\\\\z"} 3.0
                a_seconds_bucket{le="+Inf",} 4
                up 1 1712345678000
                g NaN
                """);
        assertThat(text.type("a_seconds")).hasValue("histogram");
        assertThat(text.all("a_seconds_bucket")).hasSize(2);
        assertThat(text.all("a_seconds_bucket").get(0).label("path")).isEqualTo("/x\"y\\z");
        assertThat(text.max("up")).hasValue(1.0);
        assertThat(text.max("g")).isEmpty();
    }

    @Test
    void refusesALineThatIsNotASampleNamingIt() {
        assertThatThrownBy(() -> PrometheusText.parse("ok 1\nnot a sample\n"))
                .hasMessageContaining("line 2").hasMessageContaining("not a sample");
        assertThatThrownBy(() -> PrometheusText.parse("x{a=\"1\" 2\n")).hasMessageContaining("line 1");
    }

    @Test
    void jvmMetricsOfTheRegistryPassPromtoolsLinter() throws Exception {
        Promtool.assumeInstalled();
        try (PrometheusMetrics metrics = new PrometheusMetrics()) {
            String scrape = metrics.scrape();
            assertThat(PrometheusText.parse(scrape).all("jvm_memory_used_bytes")).isNotEmpty();
            Promtool.Result lint = Promtool.checkMetrics(scrape);
            assertThat(lint.output()).as("promtool check metrics").isBlank();
            assertThat(lint.exit()).isZero();
        }
    }
}
