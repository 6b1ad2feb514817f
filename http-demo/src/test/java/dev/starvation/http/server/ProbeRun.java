package dev.starvation.http.server;

import dev.starvation.common.SummaryLine;
import dev.starvation.http.probe.LivenessProbe;
import dev.starvation.http.probe.ProbeConfig;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A {@link LivenessProbe} running on a thread of its own while a test does something to the server. */
final class ProbeRun {

    private final LivenessProbe probe;
    private final CompletableFuture<SummaryLine> result;

    private ProbeRun(ProbeConfig config) {
        this.probe = new LivenessProbe(config);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "probe"));
        this.result = CompletableFuture.supplyAsync(() -> {
            try {
                return probe.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, thread);
        result.whenComplete((s, e) -> thread.shutdown());
    }

    /** Starts {@code count} probes of {@code url}, one each {@code period}, threshold 3. */
    static ProbeRun start(URI url, Duration period, Duration timeout, int count) {
        return new ProbeRun(new ProbeConfig(url, period, timeout, 3, Duration.ZERO, count, Duration.ZERO));
    }

    /** The probe's SUMMARY once it has done all its probes (bounded: a run that hangs fails the test). */
    SummaryLine summary() throws Exception {
        return result.get(60, TimeUnit.SECONDS);
    }

    /** The counts so far, while it runs. */
    SummaryLine sofar() {
        return probe.summary();
    }
}
