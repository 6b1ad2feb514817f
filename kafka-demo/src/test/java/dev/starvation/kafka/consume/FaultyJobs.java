package dev.starvation.kafka.consume;

import dev.starvation.common.CpuWork;
import java.time.Duration;

/** The test-only processor hook: a record whose value is {@code slow} takes 10 x. */
final class FaultyJobs {

    static final String SLOW = "slow";

    private FaultyJobs() {
    }

    static Processor processor(Duration perRecord) {
        return record -> CpuWork.burn(SLOW.equals(record.value()) ? perRecord.multipliedBy(10) : perRecord);
    }
}
