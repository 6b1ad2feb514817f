package dev.starvation.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the short durations used on every command line here: {@code 500ms}, {@code 1s}, {@code 1.5s}, {@code 2m}. */
public final class Durations {

    private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    private Durations() {
    }

    /**
     * Reads a duration such as {@code 500ms}, {@code 1s}, {@code 1.5s}, {@code 2m} or {@code 1h}.
     *
     * @throws IllegalArgumentException naming the text and the expected form, for anything else (negative included)
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("missing duration: expected a number with a unit, e.g. 500ms, 1s, 2m");
        }
        Matcher m = FORM.matcher(text.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid duration '" + text
                    + "': expected a non-negative number followed by ms, s, m or h, e.g. 500ms, 1s, 2m");
        }
        double amount = Double.parseDouble(m.group(1));
        double millis = switch (m.group(2)) {
            case "ms" -> amount;
            case "s" -> amount * 1_000;
            case "m" -> amount * 60_000;
            default -> amount * 3_600_000;
        };
        if (millis > Long.MAX_VALUE / 1_000_000 / 2) {
            throw new IllegalArgumentException("invalid duration '" + text + "': too long");
        }
        return Duration.ofNanos(Math.round(millis * 1_000_000));
    }

    /** Prints a duration the way {@link #parse} reads it, in the largest unit that keeps it whole: {@code 1500ms}, {@code 2s}, {@code 3m}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms != 0 && ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }
}
