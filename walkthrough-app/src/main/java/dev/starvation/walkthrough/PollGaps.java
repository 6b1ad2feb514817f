package dev.starvation.walkthrough;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The gaps between a consumer's polls, read from the CSV its {@code --poll-gaps} option writes. */
record PollGaps(String name, List<double[]> points) {

    /** Reads {@code elapsed_ms,gap_ms} lines after the header; a line that is not two numbers is an error naming it. */
    static PollGaps read(String name, Path csv) throws IOException {
        List<double[]> points = new ArrayList<>();
        CsvRows.read(csv, "elapsed_ms,gap_ms",
                cells -> points.add(new double[] {Double.parseDouble(cells[0]) / 1000.0, Double.parseDouble(cells[1])}));
        return new PollGaps(name, List.copyOf(points));
    }

    double maxGapMillis() {
        return points.stream().mapToDouble(p -> p[1]).max().orElse(0);
    }
}
