package dev.starvation.http.probe;

import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The probe's options, shared by {@code probe} and {@code supervise} so both read them the same way. */
public final class ProbeOptions {

    @Option(names = "--url", required = true, description = "What to probe, e.g. http://127.0.0.1:8080/health.")
    URI url;

    @Option(names = "--period", description = "Time between probes (default: 1s).")
    Duration period = Duration.ofSeconds(1);

    @Option(names = "--timeout", description = "Time a probe may take, redirects and body included (default: 1s).")
    Duration timeout = Duration.ofSeconds(1);

    @Option(names = "--failure-threshold", description = "Failures in a row that mean restart (default: ${DEFAULT-VALUE}).")
    int failureThreshold = 3;

    @Option(names = "--initial-delay",
            description = "Wait before the first probe, and again after each restart (default: 0s).")
    Duration initialDelay = Duration.ZERO;

    @Option(names = "--count", description = "Stop after this many probes (default: no limit; give this or --duration).")
    long count;

    @Option(names = "--duration", description = "Stop after this long (default: no limit; give this or --count).")
    Duration duration = Duration.ZERO;

    /** The options as one checked record; names the first wrong value. */
    public ProbeConfig config() {
        return new ProbeConfig(url, period, timeout, failureThreshold, initialDelay, count, duration);
    }
}
