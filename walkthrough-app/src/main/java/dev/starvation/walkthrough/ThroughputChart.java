package dev.starvation.walkthrough;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The blast act's chart: records processed per 250 ms by each member, one panel per setup, the starvation shaded. */
final class ThroughputChart {

    private static final Color[] MEMBER_COLOURS = {new Color(0xD62728), new Color(0x1F77B4), new Color(0x2CA02C),
        new Color(0xFF7F0E), new Color(0x9467BD), new Color(0x8C564B)};
    /** Member 1's red, mostly transparent, so the lines stay readable across the shaded sleep. */
    private static final Color ASLEEP = new Color(0xD6, 0x27, 0x28, 40);

    /** One panel: a run's setup, its members' throughput, and when member 1 slept (seconds since the feed started). */
    record Panel(String title, List<MemberThroughput> members, double starveFrom, double starveTo) {
    }

    private ThroughputChart() {
    }

    /** Draws one panel per run, stacked over a shared time axis, as a PNG 1000 pixels wide. */
    static Path draw(Path file, List<Panel> panels) throws IOException {
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(new NumberAxis("seconds since the feed started"));
        combined.setGap(12);
        for (Panel panel : panels) {
            XYSeriesCollection data = new XYSeriesCollection();
            for (MemberThroughput m : panel.members()) {
                String number = m.member().substring(m.member().lastIndexOf('-') + 1);
                XYSeries s = new XYSeries("member " + number + (number.equals("1") ? " (starved)" : ""), false, true);
                m.points().forEach(p -> s.add(p[0], p[1]));
                data.addSeries(s);
            }
            XYPlot plot = Charts.plot(data, "", panel.title());
            XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
            renderer.setDefaultShapesVisible(false);
            // The members are the same in every panel: one legend, the first panel's.
            renderer.setDefaultSeriesVisibleInLegend(combined.getSubplots().isEmpty());
            for (int i = 0; i < panel.members().size(); i++) {
                renderer.setSeriesPaint(i, MEMBER_COLOURS[i % MEMBER_COLOURS.length]);
            }
            if (panel.starveTo() > panel.starveFrom()) {
                IntervalMarker asleep = new IntervalMarker(panel.starveFrom(), panel.starveTo(), ASLEEP);
                asleep.setLabel("member 1 asleep");
                asleep.setLabelAnchor(RectangleAnchor.TOP_LEFT);
                asleep.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                plot.addDomainMarker(asleep);
            }
            combined.add(plot, 1);
        }
        return Charts.save(file, "Records processed per 250 ms per member: one member starved, the group's answer",
                combined, 1000, 220 * panels.size() + 120);
    }
}
