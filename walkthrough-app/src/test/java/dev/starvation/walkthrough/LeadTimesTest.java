package dev.starvation.walkthrough;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeadTimesTest {

    @Test
    void eachSignalIsTimedFromTheLineWhereTheWorkBegan() throws Exception {
        LeadTimes leadTimes = new LeadTimes(new Terminal(new PrintStream(new ByteArrayOutputStream()), false), null);
        // Nothing listens on port 1: the scraper keeps trying and the act's row comes from the lines alone.
        try (LeadTimes.Act act = leadTimes.begin("http: blocking on the loop", "http-demo",
                URI.create("http://127.0.0.1:1/metrics"), List.of("event_loop_stall_seconds"))) {
            act.end(List.of(
                    "10:00:00.000 [main] PROBE ok 2ms",
                    "10:00:01.000 [event-loop-1-1] REQUEST /processing seconds=3.0 on event-loop-1-1",
                    "10:00:01.250 [stall-watchdog] STALL event loop event-loop-1-1 blocked for 200 ms (limit 200 ms)",
                    "10:00:02.800 [main] PROBE RESTART after 3 consecutive failures",
                    "10:00:04.000 [stall-watchdog] STALL over: event-loop-1-1 came back after 2958 ms"),
                    l -> l.contains("REQUEST /processing"), "probe RESTART", l -> l.contains("PROBE RESTART"));
        }
        try (LeadTimes.Act act = leadTimes.begin("http: offloaded to workers", "http-demo",
                URI.create("http://127.0.0.1:1/metrics"), List.of())) {
            act.end(List.of("10:00:01.000 [worker-1] REQUEST /processing_fixed seconds=3.0 on worker-1"),
                    l -> l.contains("REQUEST /processing"), "probe RESTART", l -> l.contains("PROBE RESTART"));
        }

        String table = leadTimes.table();
        assertThat(table).contains("first STALL", "alert condition held (fired)", "the platform acted",
                "at 15 s / 30 s fires by");
        assertThat(table.lines().filter(l -> l.startsWith("http: blocking on the loop")).findFirst().orElseThrow())
                .contains("+0.3 s", "(no prometheus)", "probe RESTART +1.8 s");
        assertThat(table.lines().filter(l -> l.startsWith("http: offloaded")).findFirst().orElseThrow())
                .doesNotContain("+").endsWith("-");
    }
}
