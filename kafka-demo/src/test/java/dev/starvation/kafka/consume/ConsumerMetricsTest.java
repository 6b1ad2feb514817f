package dev.starvation.kafka.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.starvation.common.metrics.PrometheusText;
import dev.starvation.common.metrics.Promtool;
import dev.starvation.kafka.ops.AdminServer;
import dev.starvation.kafka.ops.ConsumerMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The consumer's /metrics on a real broker, scraped over HTTP every 250 ms while it runs: the Kafka client's
 * last-poll-seconds-ago climbs past half of max.poll.interval.ms in the naive loop while its time-between-poll-max
 * stays flat, and stays low in the offloading one; promtool's linter accepts a real scrape. 4 records x 1 s of CPU
 * against max.poll.interval.ms 3000.
 */
class ConsumerMetricsTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension();

    private static final int INTERVAL_MS = 3000;
    private static final Duration WORK = Duration.ofSeconds(1);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    final LogExtension log = new LogExtension();

    /** What one scrape said, when. */
    private record Seen(double lastPollSecondsAgo, double timeBetweenPollMaxMs, double inFlight, double oldestAge,
            double pollStall, String text) {
        @Override
        public String toString() {
            return "last_poll=" + lastPollSecondsAgo + " between_max=" + timeBetweenPollMaxMs + " stall=" + pollStall;
        }
    }

    @Test
    void naiveLoopsLastPollSecondsAgoPassesHalfTheIntervalWhileTimeBetweenPollMaxStaysFlat() throws Exception {
        List<Seen> seen = run(Mode.NAIVE, 4, Duration.ofSeconds(9));

        Seen peak = seen.stream().filter(s -> s.lastPollSecondsAgo() > 1.5).findFirst()
                .orElseThrow(() -> new AssertionError("last-poll-seconds-ago never passed half of 3 s: " + seen));
        assertThat(peak.pollStall()).as("the watchdog's own gauge agrees").isGreaterThan(1.5);
        assertThat(peak.inFlight()).as("a record in the poll loop").isEqualTo(1.0);
        // Kafka records time-between-poll only when the next poll() starts: during the stall it does not grow, and
        // still shows the gaps from before it (short on a quiet machine; whatever a busy one made them), shorter
        // than the stall going on.
        List<Seen> stall = seen.subList(seen.indexOf(peak), seen.size()).stream()
                // The watchdog's gauge is read a moment after Kafka's clock: a scrape can catch the poll made (last poll
                // 0 s ago, the gap recorded) before the watchdog saw it. Such a scrape is after the stall, not in it.
                .takeWhile(s -> s.pollStall() > 1.0 && s.lastPollSecondsAgo() >= 1.0).toList();
        double before = peak.timeBetweenPollMaxMs();
        assertThat(stall).as("time-between-poll-max during the stall").allSatisfy(s ->
                assertThat(s.timeBetweenPollMaxMs()).isLessThanOrEqualTo(before));
        double longestMs = stall.stream().mapToDouble(Seen::pollStall).max().orElseThrow() * 1000;
        assertThat(before).as("time-between-poll-max during the stall, against the stall").isLessThan(longestMs);
        // Once the loop polls again, the gap is recorded.
        assertThat(seen.subList(seen.indexOf(peak), seen.size())).as("time-between-poll-max after the stall")
                .anySatisfy(s -> assertThat(s.timeBetweenPollMaxMs()).isGreaterThan(Math.max(before,
                        INTERVAL_MS / 2.0)));
        everyFamilyIsThereAndPromtoolFindsNoProblem(seen.get(seen.size() - 1).text());
    }

    /** The scrape holds the Kafka client's meters and the demo's, and promtool's linter (where installed) accepts it. */
    private static void everyFamilyIsThereAndPromtoolFindsNoProblem(String scrape) throws Exception {
        PrometheusText text = PrometheusText.parse(scrape);
        for (String family : List.of("kafka_consumer_last_poll_seconds_ago", "kafka_consumer_time_between_poll_max_seconds", "kafka_consumer_coordinator_failed_rebalance_total",
                "kafka_consumer_coordinator_rebalance_total", "kafka_consumer_coordinator_last_rebalance_seconds_ago",
                "kafka_consumer_poll_idle_ratio_avg", "kafka_consumer_fetch_manager_records_lag_max",
                "consumer_poll_gap_seconds_bucket", "consumer_poll_stall_seconds", "consumer_records_in_flight",
                "consumer_oldest_in_flight_record_age_seconds", "consumer_duplicates_total",
                "consumer_commit_failures_total", "consumer_dead_letters_total", "consumer_max_poll_interval_seconds",
                "jvm_gc_memory_allocated_bytes_total")) {
            assertThat(text.all(family)).as(family).isNotEmpty();
        }
        // Last, so that without promtool the test is reported skipped (not passed) after everything else was checked.
        Promtool.assumeInstalled();
        Promtool.Result lint = Promtool.checkMetrics(scrape);
        assertThat(lint.output()).as("promtool check metrics").isBlank();
        assertThat(lint.exit()).isZero();
    }

    @Test
    void offloadingConsumersLastPollSecondsAgoStaysBelowHalfTheInterval() throws Exception {
        List<Seen> seen = run(Mode.OFFLOAD, 4, Duration.ofSeconds(7));

        assertThat(seen).as("scrapes while records were in flight")
                .filteredOn(s -> s.inFlight() >= 1 && s.oldestAge() >= 0.5).isNotEmpty();
        assertThat(PrometheusText.parse(seen.get(0).text()).max("consumer_record_deadline_seconds"))
                .as("--record-deadline, for RecordStuckPastDeadline").hasValue(30.0);
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.lastPollSecondsAgo()).as("last-poll-seconds-ago").isLessThan(1.5);
            assertThat(s.pollStall()).as("the watchdog's gauge").isLessThan(1.5);
        });
    }

    /** Runs one consumer over {@code records} records, scraping its /metrics every 250 ms for {@code length}. */
    private List<Seen> run(Mode mode, int records, Duration length) throws Exception {
        Fixture fixture = BROKER.fixture();
        String topic = fixture.topicWith(1, records);
        ConsumerSettings settings = fixture.settings(topic, Fixture.unique("metrics"), mode, GroupProtocol.CLASSIC,
                INTERVAL_MS, WORK, 1, Duration.ofSeconds(40));
        List<Seen> seen = new ArrayList<>();
        try (ConsumerMetrics metrics = new ConsumerMetrics();
             AdminServer admin = AdminServer.start("127.0.0.1", 0).route(ConsumerMetrics.PATH, metrics::scrape)) {
            PollLoop loop = ConsumeCommand.create(settings).metrics(metrics);
            RunningConsumer consumer = RunningConsumer.start(loop, mode.name().toLowerCase());
            URI url = URI.create("http://127.0.0.1:" + admin.port() + ConsumerMetrics.PATH);
            await().atMost(Duration.ofSeconds(20)).until(() -> !log.linesStartingWith("BATCH").isEmpty());
            long end = System.nanoTime() + length.toNanos();
            while (System.nanoTime() < end) {
                seen.add(scrape(url));
                Thread.sleep(250);
            }
            consumer.stop(Duration.ofSeconds(30));
        }
        return seen;
    }

    private static Seen scrape(URI url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        PrometheusText text = PrometheusText.parse(r.body());
        return new Seen(text.max("kafka_consumer_last_poll_seconds_ago").orElse(Double.NaN),
                text.max("kafka_consumer_time_between_poll_max_seconds").orElse(Double.NaN) * 1000,
                text.max("consumer_records_in_flight").orElse(Double.NaN),
                text.max("consumer_oldest_in_flight_record_age_seconds").orElse(Double.NaN),
                text.max("consumer_poll_stall_seconds").orElse(Double.NaN), r.body());
    }
}
