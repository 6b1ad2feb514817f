package dev.starvation.walkthrough;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The probe's verdicts over time, read back from its {@code PROBE ok 3ms} and {@code PROBE FAIL …} lines. */
record ProbeSeries(String name, List<Point> points) {

    /** One probe: seconds since the first, how long it took, and whether it failed. */
    record Point(double seconds, double millis, boolean failed) {
    }

    private static final Pattern PROBE = Pattern.compile("^(\\d{2}:\\d{2}:\\d{2}\\.\\d{3}) .*?PROBE (ok|FAIL)(.*)$");
    private static final Pattern MILLIS = Pattern.compile("(\\d+)\\s*ms");

    /** Reads the PROBE lines of a run; failures without a duration (a refused connection) are drawn at {@code timeoutMillis}. */
    static ProbeSeries parse(String name, List<String> lines, double timeoutMillis) {
        List<Point> points = new ArrayList<>();
        LocalTime first = null;
        for (String line : lines) {
            Matcher m = PROBE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            LocalTime at = LocalTime.parse(m.group(1));
            if (first == null) {
                first = at;
            }
            double seconds = (at.toNanoOfDay() - first.toNanoOfDay()) / 1e9;
            if (seconds < 0) {
                seconds += 86_400; // the run crossed midnight
            }
            Matcher ms = MILLIS.matcher(m.group(3));
            double millis = ms.find() ? Double.parseDouble(ms.group(1)) : timeoutMillis;
            points.add(new Point(seconds, millis, m.group(2).equals("FAIL")));
        }
        return new ProbeSeries(name, List.copyOf(points));
    }

    long failures() {
        return points.stream().filter(Point::failed).count();
    }
}
