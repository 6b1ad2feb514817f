package dev.starvation.http.probe;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code probe}: a liveness probe with the kubelet's semantics, one PROBE line per probe and a SUMMARY at the end. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Probes a URL as a Kubernetes liveness probe does: a new connection each time, 200-399 is ok,",
            "a timeout, a refused connection or any other status is a failure; --failure-threshold failures in a row",
            "is the restart verdict (PROBE RESTART). Stops after --count probes or --duration, whichever comes first."})
public final class ProbeCommand implements Callable<Integer> {

    @Option(names = "--url", required = true, description = "What to probe, e.g. http://127.0.0.1:8080/health.")
    URI url;

    @Option(names = "--period", description = "Time between probes (default: 1s).")
    Duration period = Duration.ofSeconds(1);

    @Option(names = "--timeout", description = "Time a probe may take (default: 1s).")
    Duration timeout = Duration.ofSeconds(1);

    @Option(names = "--failure-threshold", description = "Failures in a row that mean restart (default: ${DEFAULT-VALUE}).")
    int failureThreshold = 3;

    @Option(names = "--initial-delay", description = "Wait before the first probe (default: 0s).")
    Duration initialDelay = Duration.ZERO;

    @Option(names = "--count", description = "Stop after this many probes (default: no limit; give this or --duration).")
    long count;

    @Option(names = "--duration", description = "Stop after this long (default: no limit; give this or --count).")
    Duration duration = Duration.ZERO;

    @Override
    public Integer call() throws Exception {
        new LivenessProbe(new ProbeConfig(url, period, timeout, failureThreshold, initialDelay, count, duration)).run();
        return 0;
    }
}
