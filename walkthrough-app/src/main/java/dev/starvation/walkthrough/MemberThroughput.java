package dev.starvation.walkthrough;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Records one blast member processed per 250 ms, read from the CSV that {@code blast --buckets} writes. */
record MemberThroughput(String setup, String member, List<double[]> points) {

    /**
     * Reads {@code setup,member,t_ms,records} lines after the header, one series per member in the order met; a line
     * that is not two names and two numbers is an error naming it.
     */
    static List<MemberThroughput> read(Path csv) throws IOException {
        Map<String, MemberThroughput> members = new LinkedHashMap<>();
        CsvRows.read(csv, "setup,member,t_ms,records", cells -> {
            double[] point = {Double.parseDouble(cells[2]) / 1000.0, Double.parseDouble(cells[3])};
            members.computeIfAbsent(cells[0] + "/" + cells[1],
                    k -> new MemberThroughput(cells[0], cells[1], new ArrayList<>())).points().add(point);
        });
        return List.copyOf(members.values());
    }
}
