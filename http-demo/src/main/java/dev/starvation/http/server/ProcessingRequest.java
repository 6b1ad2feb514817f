package dev.starvation.http.server;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.List;

/**
 * The {@code seconds} of a processing request, checked: a decimal with 0 < seconds <= the server's maximum; without the
 * parameter, 7 seconds, the seed's story.
 */
record ProcessingRequest(String path, Duration length) {

    static final Duration DEFAULT_LENGTH = Duration.ofSeconds(7);

    /** Bad input from the client, with the text of the 400 answer. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static ProcessingRequest parse(QueryStringDecoder uri, double maxSeconds) throws Invalid {
        List<String> values = uri.parameters().get("seconds");
        if (values == null || values.isEmpty()) {
            return new ProcessingRequest(uri.path(), DEFAULT_LENGTH);
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
        return new ProcessingRequest(uri.path(), Duration.ofNanos(Math.round(seconds * 1e9)));
    }
}
