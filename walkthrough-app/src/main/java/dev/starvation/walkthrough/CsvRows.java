package dev.starvation.walkthrough;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Reads the CSV files the demos write for the charts: a header line, then one row of cells per line. */
final class CsvRows {

    private CsvRows() {
    }

    /**
     * Hands the cells of each line after the header to {@code row}, skipping blank lines; a line {@code row} cannot
     * read (it throws) is an error naming the file, the line number, the expected {@code form} and the line.
     */
    static void read(Path csv, String form, Consumer<String[]> row) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty()) {
                continue;
            }
            try {
                row.accept(line.split(","));
            } catch (RuntimeException e) {
                throw new IOException(csv + " line " + (i + 1) + " is not '" + form + "': " + line, e);
            }
        }
    }
}
