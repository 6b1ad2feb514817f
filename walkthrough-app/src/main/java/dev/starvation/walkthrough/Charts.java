package dev.starvation.walkthrough;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Draws the walkthrough's two PNG charts, headless: probe latency (bug vs fix) and poll gaps (naive vs offload). */
final class Charts {

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 500;
    private static final Color[] COLOURS = {new Color(0xD62728), new Color(0x2CA02C), new Color(0x1F77B4)};

    private Charts() {
    }

    /** Probe latency over time, one line per run, failed probes drawn as their own series so timeouts stand out. */
    static Path probeLatency(Path file, List<ProbeSeries> runs, double timeoutMillis) throws IOException {
        return probeLatency(file, runs, timeoutMillis, "Liveness probe latency: blocking handler vs offloaded");
    }

    /** The same chart under a title of the act's own. */
    static Path probeLatency(Path file, List<ProbeSeries> runs, double timeoutMillis, String title)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ProbeSeries run : runs) {
            XYSeries all = new XYSeries(run.name(), false, true);
            XYSeries failed = new XYSeries(run.name() + ": failed probes", false, true);
            for (ProbeSeries.Point p : run.points()) {
                all.add(p.seconds(), p.millis());
                if (p.failed()) {
                    failed.add(p.seconds(), p.millis());
                }
            }
            data.addSeries(all);
            data.addSeries(failed);
        }
        XYPlot plot = plot(data, "seconds since the first probe", "probe latency (ms)");
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        for (int i = 0; i < runs.size(); i++) {
            Color c = COLOURS[i % COLOURS.length];
            renderer.setSeriesPaint(2 * i, c);
            renderer.setSeriesPaint(2 * i + 1, c.darker());
            renderer.setSeriesLinesVisible(2 * i + 1, false);
            renderer.setSeriesShape(2 * i + 1, new Rectangle2D.Double(-6, -6, 12, 12));
        }
        plot.addRangeMarker(marker(timeoutMillis, "probe timeout " + (long) timeoutMillis + " ms"));
        return save(file, title, plot);
    }

    /** The gap between polls over time, one line per consumer, against max.poll.interval.ms. */
    static Path pollGaps(Path file, List<PollGaps> runs, double maxPollIntervalMillis) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (PollGaps run : runs) {
            XYSeries s = new XYSeries(run.name(), false, true);
            // A sawtooth of "time since the last poll": it climbs while the thread is away and drops at each poll,
            // so the moment it crosses max.poll.interval.ms is the moment the client gives up on the member.
            run.points().forEach(p -> {
                s.add(p[0] - p[1] / 1000.0, 0);
                s.add(p[0], p[1]);
            });
            data.addSeries(s);
        }
        XYPlot plot = plot(data, "seconds since the consumer started", "time since the last poll() (ms)");
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        renderer.setDefaultShapesVisible(false);
        renderer.setDefaultStroke(new BasicStroke(2f));
        renderer.setAutoPopulateSeriesStroke(false);
        for (int i = 0; i < runs.size(); i++) {
            renderer.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
        }
        plot.addRangeMarker(marker(maxPollIntervalMillis, "max.poll.interval.ms " + (long) maxPollIntervalMillis));
        double top = Math.max(maxPollIntervalMillis * 1.2,
                runs.stream().mapToDouble(PollGaps::maxGapMillis).max().orElse(0) * 1.1);
        plot.getRangeAxis().setRange(0, top);
        return save(file, "Gap between poll() calls: naive loop vs offloading consumer", plot);
    }

    /**
     * The Kafka client's two poll metrics during an act, as a scrape every 500 ms saw them: last-poll-seconds-ago
     * climbs during the stall, time-between-poll-max stays flat until the next poll() records the gap.
     */
    static Path pollMetrics(Path file, List<MetricsScraper.Point> points, double maxPollIntervalMillis)
            throws IOException {
        XYSeries lastPoll = new XYSeries("kafka_consumer_last_poll_seconds_ago", false, true);
        XYSeries betweenMax = new XYSeries("kafka_consumer_time_between_poll_max_seconds", false, true);
        XYSeries watchdog = new XYSeries("consumer_poll_stall_seconds (the demo's watchdog)", false, true);
        double top = maxPollIntervalMillis / 1000.0;
        if (!points.isEmpty()) {
            long first = points.get(0).at().toEpochMilli();
            for (MetricsScraper.Point p : points) {
                double t = (p.at().toEpochMilli() - first) / 1000.0;
                Double last = p.values().get("kafka_consumer_last_poll_seconds_ago");
                Double max = p.values().get("kafka_consumer_time_between_poll_max_seconds");
                Double silent = p.values().get("consumer_poll_stall_seconds");
                if (last != null && last >= 0) {
                    lastPoll.add(t, last);
                    top = Math.max(top, last);
                }
                if (max != null && !max.isNaN()) {
                    betweenMax.add(t, max);
                    top = Math.max(top, max);
                }
                if (silent != null) {
                    watchdog.add(t, silent);
                }
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(lastPoll);
        data.addSeries(betweenMax);
        data.addSeries(watchdog);
        XYPlot plot = plot(data, "seconds since the consumer's metrics were first scraped (every 500 ms)", "seconds");
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        renderer.setDefaultShapesVisible(false);
        renderer.setAutoPopulateSeriesStroke(false);
        renderer.setDefaultStroke(new BasicStroke(2f));
        for (int i = 0; i < 3; i++) {
            renderer.setSeriesPaint(i, COLOURS[i % COLOURS.length]);
        }
        renderer.setSeriesStroke(2, new BasicStroke(1f));
        plot.addRangeMarker(marker(maxPollIntervalMillis / 1000.0, "max.poll.interval.ms "
                + (long) maxPollIntervalMillis + ": the client leaves its group"));
        plot.addRangeMarker(marker(maxPollIntervalMillis / 2000.0, "half of it: the alert"));
        plot.getRangeAxis().setRange(0, top * 1.15);
        return save(file, "Naive consumer: last-poll-seconds-ago climbs, time-between-poll-max is blind until the stall"
                + " ends", plot);
    }

    static XYPlot plot(XYSeriesCollection data, String xLabel, String yLabel) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        XYPlot plot = new XYPlot(data, new NumberAxis(xLabel), new NumberAxis(yLabel), renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    private static ValueMarker marker(double value, String label) {
        ValueMarker m = new ValueMarker(value, Color.BLACK, new BasicStroke(1.5f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        m.setLabel(label);
        m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        return m;
    }

    private static Path save(Path file, String title, XYPlot plot) throws IOException {
        return save(file, title, plot, WIDTH, HEIGHT);
    }

    /** Saves {@code plot} under {@code title} as a {@code width} x {@code height} PNG, legend below. */
    static Path save(Path file, String title, XYPlot plot, int width, int height) throws IOException {
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
        return file;
    }
}
