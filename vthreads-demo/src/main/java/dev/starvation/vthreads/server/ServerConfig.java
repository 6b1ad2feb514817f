package dev.starvation.vthreads.server;

import java.time.Duration;

/**
 * What the server is started with, checked once so that a bad option fails at start with its name.
 *
 * @param host address to listen on
 * @param port port to listen on, 0 for any free one
 * @param cpuWorkers platform threads that run {@code /cpu_fixed} work
 * @param queue {@code /cpu_fixed} requests that may wait for a worker before 503
 * @param stallLimit how late the carriers' heartbeat may be before {@code STALL}
 */
public record ServerConfig(String host, int port, int cpuWorkers, int queue, Duration stallLimit) {

    /** The longest work a request may ask for: enough for every demo, short enough to bound a mistake. */
    public static final Duration MAX_WORK = Duration.ofSeconds(60);

    public ServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host must name an address, got '" + host + "'");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        if (cpuWorkers < 1) {
            throw new IllegalArgumentException("--cpu-workers must be at least 1, got " + cpuWorkers);
        }
        if (queue < 0) {
            throw new IllegalArgumentException("--queue must be 0 or more, got " + queue);
        }
        if (stallLimit.isNegative() || stallLimit.isZero()) {
            throw new IllegalArgumentException("--stall-limit must be positive, got " + stallLimit);
        }
    }
}
