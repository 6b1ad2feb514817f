package dev.starvation.http.server;

import java.time.Duration;

/** Everything the server can be told, in one place; the defaults reproduce the bug (one event loop). */
public record ServerConfig(
        String host,
        int port,
        int eventLoops,
        int workers,
        int queue,
        double maxSeconds,
        Duration stallLimit,
        Duration grace,
        Duration idleTimeout,
        int maxHeaderBytes,
        int maxBodyBytes,
        int maxConnections,
        Duration headerTimeout,
        Duration workDeadline,
        Duration loopDeadline,
        long maxWaitingBytes) {

    /**
     * The defaults of {@code server} with no options: 127.0.0.1:8080, one loop, a worker per core. The work deadline is
     * 1.5 x the longest request a client may ask for, so only work that overruns what it asked for is cut. The loop
     * deadline is longer than any stall the walkthrough shows on purpose (6 s): a slow loop is not a wedged one.
     */
    public static ServerConfig defaults() {
        int cores = Runtime.getRuntime().availableProcessors();
        return new ServerConfig("127.0.0.1", 8080, 1, cores, 2 * cores, 60, Duration.ofMillis(200),
                Duration.ofSeconds(10), Duration.ofSeconds(30), 8192, 64 * 1024, 10_000, Duration.ofSeconds(10),
                Duration.ofSeconds(90), Duration.ofSeconds(10), 16L * 1024 * 1024);
    }

    /** Checks every value and names the first that is out of range. */
    public ServerConfig {
        require(port >= 0 && port <= 65535, "--port must be 0..65535, got " + port);
        require(eventLoops >= 1 && eventLoops <= 256, "--event-loops must be 1..256, got " + eventLoops);
        require(workers >= 1 && workers <= 1024, "--workers must be 1..1024, got " + workers);
        require(queue >= 0 && queue <= 100_000, "--queue must be 0..100000, got " + queue);
        require(maxSeconds > 0 && maxSeconds <= 3600, "--max-seconds must be > 0 and <= 3600, got " + maxSeconds);
        require(positive(stallLimit), "--stall-limit must be positive, got " + stallLimit);
        require(!grace.isNegative(), "--grace must not be negative, got " + grace);
        require(positive(idleTimeout), "--idle-timeout must be positive, got " + idleTimeout);
        require(maxHeaderBytes >= 1024, "--max-header-bytes must be at least 1024, got " + maxHeaderBytes);
        require(maxBodyBytes >= 0, "--max-body-bytes must not be negative, got " + maxBodyBytes);
        require(maxConnections >= 1 && maxConnections <= 1_000_000,
                "--max-connections must be 1..1000000, got " + maxConnections);
        require(positive(headerTimeout), "--header-timeout must be positive, got " + headerTimeout);
        require(positive(workDeadline), "--work-deadline must be positive, got " + workDeadline);
        require(loopDeadline.compareTo(stallLimit) > 0,
                "--loop-deadline must be longer than --stall-limit (" + stallLimit + "), got " + loopDeadline);
        require(maxWaitingBytes >= 0, "--max-waiting-bytes must not be negative, got " + maxWaitingBytes);
    }

    private static boolean positive(Duration d) {
        return !d.isNegative() && !d.isZero();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The same configuration on another port (tests use 0 for any free port). */
    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, eventLoops, workers, queue, maxSeconds, stallLimit, grace, idleTimeout,
                maxHeaderBytes, maxBodyBytes, maxConnections, headerTimeout, workDeadline, loopDeadline, maxWaitingBytes);
    }
}
