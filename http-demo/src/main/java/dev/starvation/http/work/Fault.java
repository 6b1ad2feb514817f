package dev.starvation.http.work;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A failure a request may ask its work to show ({@code &fault=…}), so that each failure path of the fix can be tried
 * from a terminal: the work that throws, and the work that will not stop when told to.
 */
public enum Fault {
    /** The work does what it was asked. */
    NONE,
    /** The work throws once its time is up, as a bug in a handler would, or when interrupted, as blocking I/O does. */
    THROW,
    /** The work ignores interrupts, as a blocking call without a timeout does: a wedged worker. */
    STUCK;

    /** The fault named by a request's {@code fault} parameter, in any case; null or empty means none. */
    public static Fault parse(String text) {
        if (text == null || text.isEmpty()) {
            return NONE;
        }
        for (Fault f : values()) {
            if (f != NONE && f.name().equalsIgnoreCase(text)) {
                return f;
            }
        }
        throw new IllegalArgumentException("fault must be " + Arrays.stream(values()).filter(f -> f != NONE)
                .map(Fault::toString).collect(Collectors.joining(" or ")) + ", got '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
