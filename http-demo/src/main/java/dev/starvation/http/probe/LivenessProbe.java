package dev.starvation.http.probe;

import dev.starvation.common.SummaryLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes like the kubelet's liveness check: a new connection each period, 200-399 is success, anything else a failure;
 * {@code failureThreshold} failures in a row is the restart verdict. It logs one {@code PROBE} line per probe.
 */
public final class LivenessProbe {

    private static final Logger LOG = LoggerFactory.getLogger(LivenessProbe.class);

    private final ProbeConfig config;
    private long probes;
    private long ok;
    private long failed;
    /** Failures towards the threshold; starts again after a restart verdict, as the kubelet's count does. */
    private long consecutive;
    /** The real run of failures, across restart verdicts: what max_consecutive_failures reports. */
    private long streak;
    private long maxStreak;
    private long restarts;

    /** A probe that runs with {@code config}. */
    public LivenessProbe(ProbeConfig config) {
        this.config = config;
    }

    /** Probes until the count or the duration is reached and returns the SUMMARY line (also logged). */
    public SummaryLine run() throws InterruptedException {
        Thread.sleep(config.initialDelay().toMillis());
        long start = System.nanoTime();
        long end = config.duration().isZero() ? Long.MAX_VALUE : start + config.duration().toNanos();
        long periodNanos = config.period().toNanos();
        long tick = 0;
        while ((config.count() == 0 || probes < config.count()) && System.nanoTime() < end) {
            record(HttpGetOnce.get(config.url(), config.timeout()));
            // Like the kubelet's ticker (Go's time.Ticker): a probe that overran its period finds one tick waiting
            // and probes again at once; the other ticks it missed are dropped.
            long now = System.nanoTime();
            tick++;
            if (start + tick * periodNanos < now) {
                tick = (now - start) / periodNanos;
            }
            long next = Math.max(now, start + tick * periodNanos);
            if (next >= end || (config.count() != 0 && probes >= config.count())) {
                break;
            }
            Thread.sleep(Math.max(0, (next - now) / 1_000_000), (int) Math.max(0, (next - now) % 1_000_000));
        }
        SummaryLine summary = summary();
        LOG.info("{}", summary);
        return summary;
    }

    private void record(ProbeOutcome outcome) {
        probes++;
        if (outcome.ok()) {
            ok++;
            consecutive = 0;
            streak = 0;
            LOG.info("PROBE ok {}ms", outcome.millis());
            return;
        }
        failed++;
        consecutive++;
        streak++;
        maxStreak = Math.max(maxStreak, streak);
        LOG.info("PROBE FAIL {} ({}/{})", outcome.failure(), consecutive, config.failureThreshold());
        if (consecutive == config.failureThreshold()) {
            restarts++;
            LOG.info("PROBE RESTART after {} consecutive failures", consecutive);
            // The kubelet restarts the container and counts afresh; keep probing to show what comes next.
            consecutive = 0;
        }
    }

    /** The counts so far. */
    public SummaryLine summary() {
        return new SummaryLine()
                .add("probes", probes)
                .add("ok", ok)
                .add("failed", failed)
                .add("max_consecutive_failures", maxStreak)
                .add("restart", restarts > 0);
    }
}
