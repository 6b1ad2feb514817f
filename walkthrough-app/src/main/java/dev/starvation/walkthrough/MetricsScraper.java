package dev.starvation.walkthrough;

import dev.starvation.common.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scrapes a demo's {@code /metrics} every 500 ms on a thread of its own during an act and keeps, per scrape, the
 * largest value of each metric it was asked for: what the act's chart draws.
 */
final class MetricsScraper implements AutoCloseable {

    static final Duration EVERY = Duration.ofMillis(500);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(400)).build();

    /** One scrape: when, and the values kept (a metric absent from the scrape is absent here). */
    record Point(Instant at, Map<String, Double> values) {
    }

    private final URI url;
    private final List<String> names;
    private final List<Point> points = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    /** Starts scraping {@code url}, keeping {@code names}. */
    MetricsScraper(URI url, List<String> names) {
        this.url = url;
        this.names = List.copyOf(names);
        this.thread = new Thread(this::run, "scrape-" + url.getPort());
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        long next = System.nanoTime();
        while (running) {
            scrapeOnce();
            next += EVERY.toNanos();
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.nanoTime();
            }
        }
    }

    private void scrapeOnce() {
        Instant at = Instant.now();
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(url).timeout(EVERY).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return;
            }
            PrometheusText text = PrometheusText.parse(r.body());
            Map<String, Double> values = new LinkedHashMap<>();
            for (String name : names) {
                text.max(name).ifPresent(v -> values.put(name, v));
            }
            synchronized (points) {
                points.add(new Point(at, values));
            }
        } catch (Exception notThereYet) {
            // The demo is starting or stopping (or, on its own port, stalled): a gap in the chart says so.
        }
    }

    /** The scrapes so far. */
    List<Point> points() {
        synchronized (points) {
            return List.copyOf(points);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(2_000);
    }
}
