package dev.starvation.http.server;

import java.util.List;

/** The server's paths: the liveness and readiness endpoints, the two bugs and their two fixes. */
final class Routes {

    static final String HEALTH = "/health";
    static final String READY = "/ready";
    static final String PROCESSING = "/processing";
    static final String PROCESSING_BUSY = "/processing_busy";
    static final String PROCESSING_FIXED = "/processing_fixed";
    static final String PROCESSING_BUSY_FIXED = "/processing_busy_fixed";
    static final List<String> PATHS = List.of(HEALTH, READY, PROCESSING, PROCESSING_BUSY, PROCESSING_FIXED,
            PROCESSING_BUSY_FIXED);

    private Routes() {
    }

    static boolean exists(String path) {
        return PATHS.contains(path);
    }
}
