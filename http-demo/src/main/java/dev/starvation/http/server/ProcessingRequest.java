package dev.starvation.http.server;

import dev.starvation.http.work.Fault;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.List;

/**
 * The {@code seconds} of a processing request, checked: a decimal with 0 < seconds <= the server's maximum; without the
 * parameter, 7 seconds, the seed's story. An optional {@code fault} (throw, stuck) asks the work to fail on purpose.
 */
record ProcessingRequest(String path, Duration length, Fault fault) {

    static final Duration DEFAULT_LENGTH = Duration.ofSeconds(7);

    /** How the request is named in log lines and in /health's reason, e.g. {@code GET /processing_fixed seconds=7}. */
    String describe() {
        return "GET " + path + " seconds=" + length.toMillis() / 1000.0 + (fault == Fault.NONE ? "" : " fault=" + fault);
    }

    /** Bad input from the client, with the text of the 400 answer. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static ProcessingRequest parse(QueryStringDecoder uri, double maxSeconds) throws Invalid {
        return new ProcessingRequest(uri.path(), length(uri, maxSeconds), fault(uri));
    }

    private static Fault fault(QueryStringDecoder uri) throws Invalid {
        List<String> values = uri.parameters().get("fault");
        try {
            return Fault.parse(values == null || values.isEmpty() ? null : values.get(0));
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage());
        }
    }

    private static Duration length(QueryStringDecoder uri, double maxSeconds) throws Invalid {
        List<String> values = uri.parameters().get("seconds");
        if (values == null || values.isEmpty()) {
            return DEFAULT_LENGTH;
        }
        String text = values.get(0);
        if (text.isBlank()) {
            throw new Invalid("seconds is missing its value: give a decimal number of seconds, e.g. seconds=7");
        }
        double seconds;
        try {
            seconds = Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new Invalid("seconds must be a decimal number, got '" + text + "'");
        }
        if (Double.isNaN(seconds) || seconds <= 0) {
            throw new Invalid("seconds must be greater than 0, got '" + text + "'");
        }
        if (seconds > maxSeconds) {
            throw new Invalid("seconds must be at most " + maxSeconds + " (--max-seconds), got '" + text + "'");
        }
        return Duration.ofNanos(Math.round(seconds * 1e9));
    }
}
