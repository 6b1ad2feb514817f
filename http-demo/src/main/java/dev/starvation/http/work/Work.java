package dev.starvation.http.work;

import dev.starvation.common.CpuWork;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The slow part of a request: a sleep (I/O-like) or a CPU busy loop. Where it runs is the whole story. */
public enum Work {
    /** Waits, as a blocking database or HTTP call would. */
    SLEEP {
        @Override
        boolean perform(Duration length) throws InterruptedException {
            Thread.sleep(length.toMillis(), length.toNanosPart() % 1_000_000);
            return true;
        }
    },
    /** Computes, holding a core. */
    BURN {
        @Override
        boolean perform(Duration length) {
            return CpuWork.burn(length);
        }
    };

    private static final Logger LOG = LoggerFactory.getLogger(Work.class);

    /** Does the work; false or InterruptedException if interrupted before the end. */
    abstract boolean perform(Duration length) throws InterruptedException;

    /**
     * Runs the work on the calling thread and says where it ran; false if it was interrupted before the end (the
     * thread's interrupt flag then stays set). {@link Fault#STUCK} work carries on through interrupts to its end and
     * sets the flag again after; {@link Fault#THROW} work throws at its end, or at once when interrupted, as a real
     * blocking call does.
     */
    public boolean run(String path, Duration length, Fault fault) {
        LOG.info("REQUEST {} seconds={} on {}{}", path, length.toMillis() / 1000.0, Thread.currentThread().getName(),
                fault == Fault.NONE ? "" : " fault=" + fault);
        long end = System.nanoTime() + length.toNanos();
        boolean ignoredInterrupt = false;
        try {
            while (!ranToTheEnd(Duration.ofNanos(Math.max(0, end - System.nanoTime())))) {
                if (fault == Fault.THROW) {
                    // As a blocking call does when interrupted (ClosedByInterruptException, a driver's SQLException).
                    throw new IllegalStateException("fault=throw: the work was interrupted and threw",
                            new InterruptedException());
                }
                if (fault != Fault.STUCK) {
                    return false;
                }
                Thread.interrupted();
                ignoredInterrupt = true;
            }
        } finally {
            if (ignoredInterrupt) {
                Thread.currentThread().interrupt();
            }
        }
        if (fault == Fault.THROW) {
            throw new IllegalStateException("fault=throw: the work failed on purpose after " + length.toMillis() + " ms");
        }
        return true;
    }

    /** One attempt at the rest of the work: true if it reached the end, false (flag set) if interrupted. */
    private boolean ranToTheEnd(Duration rest) {
        try {
            if (perform(rest)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }
}
