package dev.starvation.http.supervise;

import dev.starvation.http.probe.ProbeConfig;
import java.time.Duration;
import java.util.List;

/**
 * What {@code supervise} runs and how: the server command, its liveness probe and startup timeout, the grace on stop,
 * the backoff.
 */
record SuperviseConfig(List<String> command, ProbeConfig probe, Duration startupTimeout, Duration grace,
        Duration backoff, Duration maxBackoff, Duration backoffReset) {

    /** Checks the values and names the first that is wrong. */
    SuperviseConfig {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("give the server command after --, e.g. supervise --url"
                    + " http://127.0.0.1:8080/health --count 30 -- java -jar http-demo.jar server --port 8080");
        }
        if (startupTimeout.isNegative()) {
            throw new IllegalArgumentException("--startup-timeout must not be negative");
        }
        if (grace.isNegative()) {
            throw new IllegalArgumentException("--grace must not be negative");
        }
        if (backoff.isNegative()) {
            throw new IllegalArgumentException("--backoff must not be negative");
        }
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("--max-backoff (" + maxBackoff.toMillis() + "ms) must not be below"
                    + " --backoff (" + backoff.toMillis() + "ms)");
        }
        if (backoffReset.isNegative() || backoffReset.isZero()) {
            throw new IllegalArgumentException("--backoff-reset must be positive");
        }
        command = List.copyOf(command);
    }
}
