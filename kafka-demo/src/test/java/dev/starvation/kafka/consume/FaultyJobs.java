package dev.starvation.kafka.consume;

import dev.starvation.common.CpuWork;
import dev.starvation.kafka.ops.RunStats;
import java.time.Duration;

/** The test-only processor hook: a record whose value is {@code poison} throws, one whose value is {@code slow} takes 10 x. */
final class FaultyJobs {

    static final String POISON = "poison";
    static final String SLOW = "slow";

    private FaultyJobs() {
    }

    static Processor processor(Duration perRecord) {
        return record -> {
            if (POISON.equals(record.value())) {
                throw new IllegalArgumentException("cannot process " + RunStats.id(record) + ": poison");
            }
            return CpuWork.burn(SLOW.equals(record.value()) ? perRecord.multipliedBy(10) : perRecord);
        };
    }
}
