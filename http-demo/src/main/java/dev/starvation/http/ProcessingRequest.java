package dev.starvation.http;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.time.Duration;
import java.util.List;

/** The {@code seconds} of a processing request, checked: a decimal with 0 < seconds <= the server's maximum. */
record ProcessingRequest(String path, Duration length) {

    /** Bad input from the client, with the text of the 400 answer. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    static ProcessingRequest parse(QueryStringDecoder uri, double maxSeconds) throws Invalid {
        List<String> values = uri.parameters().get("seconds");
        if (values == null || values.isEmpty()) {
            return new ProcessingRequest(uri.path(), Duration.ofSeconds(7));
        }
        String text = values.get(0);
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
