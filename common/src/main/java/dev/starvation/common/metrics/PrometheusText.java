package dev.starvation.common.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The samples of one scrape in Prometheus's text exposition format, read back so the walkthrough and the tests can look
 * at a value. It reads what {@link PrometheusMetrics#scrape()} writes and refuses anything else with the line it
 * could not read; {@code promtool check metrics} is the full check.
 */
public final class PrometheusText {

    /** One sample: the metric name, its labels in order, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        /** A label's value, or null. */
        public String label(String key) {
            return labels.get(key);
        }
    }

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = samples;
        this.types = types;
    }

    /**
     * Reads a scrape.
     *
     * @throws IllegalArgumentException naming the line number and the line that is not in the format
     */
    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            try {
                if (line.startsWith("#")) {
                    String[] parts = line.split(" ", 4);
                    if (parts.length >= 4 && parts[1].equals("TYPE")) {
                        types.put(parts[2], parts[3].trim());
                    }
                    continue;
                }
                samples.add(new LineReader(line).sample());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + (i + 1) + " is not Prometheus text format ("
                        + e.getMessage() + "): " + line, e);
            }
        }
        return new PrometheusText(List.copyOf(samples), Collections.unmodifiableMap(types));
    }

    /** Every sample, in the order of the scrape. */
    public List<Sample> samples() {
        return samples;
    }

    /** The {@code # TYPE} of a metric family (counter, gauge, histogram, summary, untyped), if declared. */
    public Optional<String> type(String family) {
        return Optional.ofNullable(types.get(family));
    }

    /** The samples of one name, e.g. {@code event_loop_lag_seconds_max}. */
    public List<Sample> all(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The largest value of a name across its label sets; empty if the scrape has none. */
    public OptionalDouble max(String name) {
        return all(name).stream().mapToDouble(Sample::value).filter(v -> !Double.isNaN(v)).max();
    }

    /** Reads one sample line: {@code name{label="value",…} value [timestamp]}. */
    private static final class LineReader {
        private final String line;
        private int at;

        LineReader(String line) {
            this.line = line;
        }

        Sample sample() {
            String name = name();
            Map<String, String> labels = new LinkedHashMap<>();
            if (at < line.length() && line.charAt(at) == '{') {
                at++;
                labels(labels);
            }
            expect(' ');
            String[] rest = line.substring(at).trim().split(" ");
            if (rest.length < 1 || rest.length > 2) {
                throw new IllegalArgumentException("expected a value and an optional timestamp");
            }
            return new Sample(name, Collections.unmodifiableMap(labels), value(rest[0]));
        }

        private void labels(Map<String, String> labels) {
            while (true) {
                if (peek() == '}') {
                    at++;
                    return;
                }
                String key = name();
                expect('=');
                expect('"');
                StringBuilder value = new StringBuilder();
                while (true) {
                    char c = next();
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char e = next();
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                if (peek() == ',') {
                    at++;
                }
            }
        }

        private String name() {
            int start = at;
            while (at < line.length()) {
                char c = line.charAt(at);
                boolean ok = Character.isLetter(c) && c < 128 || c == '_' || c == ':'
                        || (at > start && c >= '0' && c <= '9');
                if (!ok) {
                    break;
                }
                at++;
            }
            if (at == start) {
                throw new IllegalArgumentException("expected a name at column " + (start + 1));
            }
            return line.substring(start, at);
        }

        private static double value(String text) {
            return switch (text) {
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(text);
            };
        }

        private char peek() {
            if (at >= line.length()) {
                throw new IllegalArgumentException("line ends inside the labels");
            }
            return line.charAt(at);
        }

        private char next() {
            char c = peek();
            at++;
            return c;
        }

        private void expect(char c) {
            if (next() != c) {
                throw new IllegalArgumentException("expected '" + c + "' at column " + at);
            }
        }
    }
}
