package dev.starvation.http.probe;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code probe}: a liveness probe with the kubelet's semantics, one PROBE line per probe and a SUMMARY at the end. */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Probes a URL as a Kubernetes liveness probe does: a new connection each time, status line,",
            "headers and up to 10 KiB of body within --timeout, same-host redirects followed (at most 10); 200-399 is",
            "ok, a timeout, a refused connection or any other status is a failure; --failure-threshold failures in a",
            "row is the restart verdict (PROBE RESTART). After it, probes do not count until the target has restarted",
            "(a refused connection, then an answer), then --initial-delay applies again.",
            "Stops after --count probes or --duration, whichever comes first."})
public final class ProbeCommand implements Callable<Integer> {

    @Mixin
    ProbeOptions options;

    @Override
    public Integer call() throws Exception {
        new LivenessProbe(options.config()).run();
        return 0;
    }
}
