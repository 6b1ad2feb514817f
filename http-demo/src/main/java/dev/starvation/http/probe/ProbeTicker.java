package dev.starvation.http.probe;

import java.time.Duration;

/**
 * When the next probe is due, as the kubelet's ticker (Go's time.Ticker) decides: every period from a start, a probe
 * that overran its period finds one tick waiting and probes again at once, the other missed ticks are dropped. A
 * restart moves the start, so the initial delay applies again.
 */
public final class ProbeTicker {

    private final long periodNanos;
    private final long endNanos;
    private long start;
    private long tick;

    /** Ticks every {@code period} from {@code firstNanos} (a {@link System#nanoTime()} value) until {@code endNanos}. */
    public ProbeTicker(Duration period, long firstNanos, long endNanos) {
        this.periodNanos = period.toNanos();
        this.endNanos = endNanos;
        startAt(firstNanos);
    }

    /** The next tick is at {@code nanos}, the others every period after it. */
    public void startAt(long nanos) {
        start = nanos;
        tick = -1;
    }

    /** Sleeps until the next tick and returns true, or returns false if the run ends first. */
    public boolean awaitNext() throws InterruptedException {
        long now = System.nanoTime();
        tick++;
        if (start + tick * periodNanos < now) {
            tick = Math.max(tick, (now - start) / periodNanos);
        }
        long next = Math.max(now, start + tick * periodNanos);
        if (next - endNanos >= 0) {
            return false;
        }
        long wait = next - now;
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        return true;
    }

    /** True once the run's end has passed. */
    public boolean ended() {
        return System.nanoTime() - endNanos >= 0;
    }
}
