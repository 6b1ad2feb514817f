package dev.starvation.kafka.streams;

import dev.starvation.common.CpuWork;
import java.time.Duration;

/**
 * The slow step's work for one record. The command burns CPU ({@link #CPU}); tests that run several applications side
 * by side on two cores sleep instead: a StreamThread that does not return from {@code process()} starves the same way.
 */
@FunctionalInterface
interface Work {

    /** CPU-bound work, as in every demo of the project. */
    Work CPU = CpuWork::burn;

    /**
     * Works for {@code length}.
     *
     * @return true if done, false if interrupted first (the interrupt flag stays set)
     */
    boolean perform(Duration length);
}
