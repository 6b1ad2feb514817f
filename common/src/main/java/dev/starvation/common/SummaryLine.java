package dev.starvation.common;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one {@code SUMMARY key=value …} line that ends every run, built in a fixed key order and read back by tests and
 * the walkthrough.
 */
public final class SummaryLine {

    /** The word every summary line starts with. */
    public static final String PREFIX = "SUMMARY";

    private final Map<String, String> fields = new LinkedHashMap<>();

    /** Adds a field; keys keep the order they were added in. Values must not contain spaces. */
    public SummaryLine add(String key, Object value) {
        String text = String.valueOf(value);
        if (key.isEmpty() || key.contains(" ") || key.contains("=") || text.contains(" ")) {
            throw new IllegalArgumentException("summary fields take no spaces: " + key + "=" + text);
        }
        fields.put(key, text);
        return this;
    }

    /** Adds {@code yes} or {@code no}. */
    public SummaryLine add(String key, boolean value) {
        return add(key, value ? "yes" : "no");
    }

    /** The fields in order. */
    public Map<String, String> fields() {
        return Collections.unmodifiableMap(fields);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(PREFIX);
        fields.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    /**
     * Reads the fields of a summary line, wherever {@code SUMMARY} starts in it (log prefixes are skipped).
     *
     * @throws IllegalArgumentException if the line holds no summary or a field is not {@code key=value}
     */
    public static SummaryLine parse(String line) {
        int at = line.indexOf(PREFIX + " ");
        if (at < 0) {
            throw new IllegalArgumentException("not a SUMMARY line: " + line);
        }
        SummaryLine summary = new SummaryLine();
        for (String field : line.substring(at + PREFIX.length()).trim().split("\\s+")) {
            int eq = field.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("SUMMARY field '" + field + "' is not key=value in: " + line);
            }
            summary.fields.put(field.substring(0, eq), field.substring(eq + 1));
        }
        return summary;
    }

    /** A field as text. */
    public String get(String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("SUMMARY has no field '" + key + "': " + this);
        }
        return v;
    }

    /** A field as a number. */
    public long getLong(String key) {
        return Long.parseLong(get(key));
    }
}
