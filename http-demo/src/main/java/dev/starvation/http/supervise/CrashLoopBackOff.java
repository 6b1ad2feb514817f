package dev.starvation.http.supervise;

import java.time.Duration;

/**
 * How long the kubelet waits before it starts a crashed container again: not at all the first time (its back-off has
 * no entry for the container yet), then {@code initial}, doubling with each restart up to {@code max}; once the
 * container had run {@code resetAfter} (10 minutes in the kubelet) before it failed, the entry is gone: at once again.
 */
final class CrashLoopBackOff {

    private final Duration initial;
    private final Duration max;
    private final Duration resetAfter;
    private Duration last;

    CrashLoopBackOff(Duration initial, Duration max, Duration resetAfter) {
        this.initial = initial;
        this.max = max;
        this.resetAfter = resetAfter;
    }

    /** The wait before the next start of a target that ran for {@code ranFor} before it had to be restarted. */
    Duration next(Duration ranFor) {
        if (last == null || ranFor.compareTo(resetAfter) >= 0) {
            last = Duration.ZERO;
        } else if (last.isZero()) {
            last = initial;
        } else {
            Duration doubled = last.multipliedBy(2);
            last = doubled.compareTo(max) > 0 ? max : doubled;
        }
        return last;
    }
}
