package dev.starvation.walkthrough;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The gaps between a consumer's polls, read from the CSV its {@code --poll-gaps} option writes. */
record PollGaps(String name, List<double[]> points) {

    /** Reads {@code elapsed_ms,gap_ms} lines after the header; a line that is not two numbers is an error naming it. */
    static PollGaps read(String name, Path csv) throws IOException {
        List<double[]> points = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            String[] cells = line.split(",");
            try {
                points.add(new double[] {Double.parseDouble(cells[0]) / 1000.0, Double.parseDouble(cells[1])});
            } catch (RuntimeException e) {
                throw new IOException(csv + " line " + (i + 1) + " is not 'elapsed_ms,gap_ms': " + line, e);
            }
        }
        return new PollGaps(name, List.copyOf(points));
    }

    double maxGapMillis() {
        return points.stream().mapToDouble(p -> p[1]).max().orElse(0);
    }
}
