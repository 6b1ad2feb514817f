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

    abstract boolean perform(Duration length) throws InterruptedException;

    /** Runs the work on the calling thread and says where it ran; false if it was interrupted before the end. */
    public boolean run(String path, Duration length) {
        LOG.info("REQUEST {} seconds={} on {}", path, length.toMillis() / 1000.0, Thread.currentThread().getName());
        try {
            return perform(length);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
