package dev.starvation.http.supervise;

import dev.starvation.common.ChildProcess;
import dev.starvation.http.probe.HttpGetOnce;
import dev.starvation.http.probe.ProbeConfig;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's startup probe: after each start, liveness waits until the new process has answered once, so a server
 * that is slow to start (a cold JVM on a busy node, whose first answers are slow too) is not restarted for being slow.
 * Probes every period with the liveness probe's URL and timeout, until an answer, the child's exit, or the startup
 * timeout. A request that reaches the new server first and blocks its loop keeps it from answering: it is restarted
 * when the startup timeout passes.
 */
final class StartupProbe {

    private static final Logger LOG = LoggerFactory.getLogger(StartupProbe.class);

    /** How a startup ended. */
    enum Result { UP, EXITED, TIMED_OUT, STOPPED }

    private final ProbeConfig probe;
    private final Duration timeout;

    /** {@code timeout} zero means no startup probe: liveness counts from the start, as without one in Kubernetes. */
    StartupProbe(ProbeConfig probe, Duration timeout) {
        this.probe = probe;
        this.timeout = timeout;
    }

    /** Waits for the first answer of {@code child}, started at {@code startedAt} ({@link System#nanoTime()}). */
    Result await(ChildProcess child, long startedAt, BooleanSupplier stopping) throws InterruptedException {
        if (timeout.isZero()) {
            return Result.UP;
        }
        long deadline = startedAt + timeout.toNanos();
        for (int tries = 1; ; tries++) {
            if (stopping.getAsBoolean()) {
                return Result.STOPPED;
            }
            if (!child.isAlive()) {
                return Result.EXITED;
            }
            if (HttpGetOnce.get(probe.url(), probe.timeout()).ok()) {
                LOG.info("SUPERVISE up pid={}: answered {} ms after its start (startup probe, {} tries)", child.pid(),
                        (System.nanoTime() - startedAt) / 1_000_000, tries);
                return Result.UP;
            }
            if (System.nanoTime() - deadline >= 0) {
                return Result.TIMED_OUT;
            }
            Thread.sleep(probe.period().toMillis());
        }
    }

    Duration timeout() {
        return timeout;
    }
}
