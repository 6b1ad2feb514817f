package dev.starvation.http.probe;

import dev.starvation.common.SummaryLine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts probes as the kubelet's liveness worker does: 200-399 is success, anything else a failure, and
 * {@code failureThreshold} failures in a row is the restart verdict. After a verdict the kubelet restarts the container
 * and puts the probe on hold: nothing counts until the target has restarted, then the initial delay applies again.
 * It logs one {@code PROBE} line per probe. Its counts may be read from any thread while it runs.
 */
public final class LivenessProbe {

    private static final Logger LOG = LoggerFactory.getLogger(LivenessProbe.class);

    /** What one probe meant. */
    public enum Step {
        /** Counted as a success. */
        OK,
        /** Counted towards the threshold, not yet reaching it. */
        FAILED,
        /** This failure reached the threshold: restart the target. */
        RESTART,
        /** On hold after a verdict: not counted. */
        HELD,
        /** On hold, the target was down and answers again: it has restarted; count again after the initial delay. */
        BACK
    }

    private final ProbeConfig config;
    // Guarded by this: one probing thread writes, a supervisor or a test reads the summary while it runs.
    private long probes;
    private long ok;
    private long failed;
    private long held;
    private long warnings;
    /** Failures towards the threshold; starts again after a restart, as the kubelet's count does. */
    private long consecutive;
    /** The real run of failed probes of one target, held ones included: what max_consecutive_failures reports. */
    private long streak;
    private long maxStreak;
    private long restarts;
    private boolean onHold;
    /** On hold, a refused connection was seen: the old target is gone. */
    private boolean seenDown;

    /** A probe that runs with {@code config}. */
    public LivenessProbe(ProbeConfig config) {
        this.config = config;
    }

    /**
     * Probes until the count or the duration is reached and returns the SUMMARY line (also logged). With nobody to
     * restart the target, it learns of a restart from the target itself: a refused connection, then an answer.
     */
    public SummaryLine run() throws InterruptedException {
        long start = System.nanoTime();
        long end = config.duration().isZero() ? Long.MAX_VALUE : start + config.duration().toNanos();
        ProbeTicker ticker = new ProbeTicker(config.period(), start + config.initialDelay().toNanos(), end);
        while (!countReached() && ticker.awaitNext()) {
            if (record(HttpGetOnce.get(config.url(), config.timeout())) == Step.BACK) {
                ticker.startAt(System.nanoTime() + config.initialDelay().toNanos());
            }
        }
        SummaryLine summary = summary();
        LOG.info("{}", summary);
        return summary;
    }

    /** True once {@code --count} probes have been made. */
    public synchronized boolean countReached() {
        return config.count() != 0 && probes >= config.count();
    }

    /** Counts one probe's outcome, logs its line and says what it meant. */
    public synchronized Step record(ProbeOutcome outcome) {
        probes++;
        if (outcome.ok()) {
            streak = 0;
        } else {
            streak++;
            maxStreak = Math.max(maxStreak, streak);
        }
        if (onHold) {
            return recordHeld(outcome);
        }
        if (outcome.ok()) {
            ok++;
            consecutive = 0;
            warn(outcome);
            LOG.info("PROBE ok {}ms", outcome.millis());
            return Step.OK;
        }
        failed++;
        consecutive++;
        LOG.info("PROBE FAIL {} ({}/{})", outcome.failure(), consecutive, config.failureThreshold());
        if (consecutive < config.failureThreshold()) {
            return Step.FAILED;
        }
        restarts++;
        onHold = true;
        seenDown = false;
        LOG.info("PROBE RESTART after {} consecutive failures; not counting until the target has restarted",
                consecutive);
        return Step.RESTART;
    }

    private Step recordHeld(ProbeOutcome outcome) {
        held++;
        if (outcome.refused()) {
            seenDown = true;
            LOG.info("PROBE HOLD connection refused: the target is down");
            return Step.HELD;
        }
        if (outcome.ok() && seenDown) {
            LOG.info("PROBE BACK {}ms: the target was down and answers again, counting again after the initial"
                    + " delay ({}ms)", outcome.millis(), config.initialDelay().toMillis());
            restarted();
            return Step.BACK;
        }
        LOG.info("PROBE HOLD {} (not counted: no restart seen yet)",
                outcome.ok() ? "ok " + outcome.millis() + "ms" : "FAIL " + outcome.failure());
        return Step.HELD;
    }

    private void warn(ProbeOutcome outcome) {
        if (outcome.warning() != null) {
            warnings++;
            LOG.warn("PROBE WARNING {}", outcome.warning());
        }
    }

    /** The target was restarted (by whoever restarts it): leave the hold and count afresh. */
    public synchronized void restarted() {
        onHold = false;
        seenDown = false;
        consecutive = 0;
        streak = 0;
    }

    /** True from a restart verdict until the target has restarted. */
    public synchronized boolean onHold() {
        return onHold;
    }

    /** The counts so far. */
    public synchronized SummaryLine summary() {
        return new SummaryLine()
                .add("probes", probes)
                .add("ok", ok)
                .add("failed", failed)
                .add("held", held)
                .add("warnings", warnings)
                .add("max_consecutive_failures", maxStreak)
                .add("restart", restarts > 0);
    }

    /** How many restart verdicts so far. */
    public synchronized long restarts() {
        return restarts;
    }

    /** The configuration it probes with. */
    public ProbeConfig config() {
        return config;
    }
}
