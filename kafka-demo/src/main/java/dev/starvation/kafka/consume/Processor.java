package dev.starvation.kafka.consume;

import dev.starvation.common.CpuWork;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** The work done for one job record; the demo's is CPU-bound, and tests swap in one that fails or runs long. */
@FunctionalInterface
public interface Processor {

    /**
     * Processes one record.
     *
     * @return true if done, false if given up because the thread was interrupted
     * @throws RuntimeException if the record cannot be processed (it goes to the dead-letter topic in offload mode)
     */
    boolean process(ConsumerRecord<String, String> record);

    /** The demo's work: {@code perRecord} of CPU whatever the record says, so records from any client cost the same. */
    static Processor cpuWork(Duration perRecord) {
        return record -> CpuWork.burn(perRecord);
    }
}
