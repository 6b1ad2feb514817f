package dev.starvation.vthreads;

import dev.starvation.common.SummaryLine;
import dev.starvation.http.probe.LivenessProbe;
import dev.starvation.http.probe.ProbeConfig;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The project's kubelet-faithful liveness probe (http-demo's), run on a platform thread of its own during a scenario. */
final class Probing {

    private final CompletableFuture<SummaryLine> result = new CompletableFuture<>();

    private Probing(ProbeConfig config) {
        Thread t = new Thread(() -> {
            try {
                result.complete(new LivenessProbe(config).run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "probe");
        t.setDaemon(true);
        t.start();
    }

    /** {@code count} probes of {@code url}, one each {@code period}, failure threshold 3. */
    static Probing start(URI url, Duration period, Duration timeout, int count) {
        return new Probing(new ProbeConfig(url, period, timeout, 3, Duration.ZERO, count, Duration.ZERO));
    }

    /** The probe's SUMMARY once all its probes are done (bounded: a hung run fails the test). */
    SummaryLine summary() throws Exception {
        return result.get(90, TimeUnit.SECONDS);
    }
}
