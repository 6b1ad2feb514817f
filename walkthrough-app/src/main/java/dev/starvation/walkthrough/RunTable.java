package dev.starvation.walkthrough;

import dev.starvation.common.SummaryLine;
import java.util.ArrayList;
import java.util.List;

/** The table that ends the walkthrough: every run side by side, read from the runs' own SUMMARY lines. */
final class RunTable {

    private static final String[] HEADER = {"run", "probe failures", "restart verdict", "restarts", "lost requests",
        "rebalances", "duplicates", "committed", "archived"};

    private final List<String[]> rows = new ArrayList<>();

    /** A probe run: failures and the restart verdict from {@code SUMMARY probes=… failed=… restart=…}. */
    void probe(String run, SummaryLine s) {
        rows.add(new String[] {run, s.get("failed"), s.get("restart"), "-", "-", "-", "-", "-", "-"});
    }

    /**
     * A supervised server: probe failures and restarts from {@code SUMMARY probes=… failed=… restarts=…} of
     * {@code supervise}, requests lost from each send's {@code SUMMARY requests=… lost=…}.
     */
    void supervised(String run, SummaryLine supervise, List<SummaryLine> sends) {
        long lost = sends.stream().mapToLong(s -> s.getLong("lost")).sum();
        rows.add(new String[] {run, supervise.get("failed"), supervise.getLong("restarts") > 0 ? "yes" : "no",
            supervise.get("restarts"), String.valueOf(lost), "-", "-", "-", "-"});
    }

    /** A consumer run: rebalances, duplicates and committed offsets from its {@code SUMMARY mode=…} line. */
    void consumer(String run, SummaryLine s) {
        rows.add(new String[] {run, "-", "-", "-", "-", s.get("rebalances"), s.get("duplicates"),
            s.get("committed"), "-"});
    }

    /**
     * A Kafka Streams run from its {@code SUMMARY mode=streams-…} line: rebalances, duplicates in the output, and in
     * the committed column the distinct results in the output topic out of the records in the input.
     */
    void streams(String run, SummaryLine s) {
        rows.add(new String[] {run, "-", "-", "-", "-", s.get("rebalances"), s.get("duplicates"),
            s.get("distinct_output") + " of " + s.get("records"), "-"});
    }

    /**
     * A share-group run from its {@code SUMMARY mode=share…} line: duplicates, records the broker acknowledged (a share
     * group's commit) and records it archived without a successful processing. Share groups have no rebalance to lose.
     */
    void share(String run, SummaryLine s) {
        rows.add(new String[] {run, "-", "-", "-", "-", "-", s.get("duplicates"), s.get("acknowledged"),
            s.get("archived")});
    }

    @Override
    public String toString() {
        return format(HEADER, rows);
    }

    /** {@code rows} under {@code header}, the first column left-aligned, the others right-aligned. */
    static String format(String[] header, List<String[]> rows) {
        int[] widths = new int[header.length];
        List<String[]> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < all.size(); r++) {
            String[] row = all.get(r);
            for (int i = 0; i < row.length; i++) {
                sb.append(i == 0 ? String.format("%-" + widths[i] + "s", row[i])
                        : String.format("  %" + widths[i] + "s", row[i]));
            }
            sb.append('\n');
            if (r == 0) {
                int total = widths.length * 2 - 2;
                for (int w : widths) {
                    total += w;
                }
                sb.append("-".repeat(total)).append('\n');
            }
        }
        return sb.toString();
    }
}
