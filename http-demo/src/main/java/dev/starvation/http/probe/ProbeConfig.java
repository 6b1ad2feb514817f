package dev.starvation.http.probe;

import java.net.URI;
import java.time.Duration;

/** A liveness probe as a kubelet runs it, plus when to stop: after {@code count} probes or {@code duration}, whichever first. */
public record ProbeConfig(URI url, Duration period, Duration timeout, int failureThreshold, Duration initialDelay,
        long count, Duration duration) {

    /** Checks the values and names the first that is wrong. */
    public ProbeConfig {
        if (url == null || !"http".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("--url must be an http:// URL with a host, got " + url);
        }
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("--period must be positive, got " + period.toMillis() + "ms");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout must be positive, got " + timeout.toMillis() + "ms");
        }
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("--failure-threshold must be at least 1, got " + failureThreshold);
        }
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException("--initial-delay must not be negative");
        }
        if (count < 0) {
            throw new IllegalArgumentException("--count must not be negative, got " + count);
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("--duration must not be negative");
        }
        if (count == 0 && duration.isZero()) {
            throw new IllegalArgumentException("give --count or --duration: a probe run must end");
        }
    }
}
