package dev.starvation.kafka.consume;

import dev.starvation.common.CpuWork;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The work done for one job record; the demo's is CPU-bound, and tests swap in ones that fail, hang or run long.
 *
 * <p>The contract, as the offloading consumer holds it:
 * <ul>
 *   <li>It runs on a worker thread, never on the poll thread, possibly for several records at once: it must be
 *       thread-safe, and it must not touch the consumer.</li>
 *   <li>Returning {@code true} means done: the record's offset may be committed.</li>
 *   <li>Anything thrown, an {@link Error} included, and returning {@code false}, is a failed attempt: the record is
 *       tried again after a backoff, up to {@code --max-attempts} in all, then sent to {@code <topic>.DLT} and
 *       committed past. A processor is therefore run more than once for the same record: make it idempotent.</li>
 *   <li>Throwing {@link RetriableProcessingException} says a dependency is down, not that the record is bad: the
 *       record is tried again after a growing backoff without using up an attempt, for as long as it takes.</li>
 *   <li>An interrupt means "stop now": the attempt has passed {@code --record-deadline} (it counts as failed whatever
 *       the processor returns afterwards), or its partition was revoked or lost, or the consumer is closing (the
 *       record is given up and never committed by this member; its next owner runs it again). Honour it promptly:
 *       return {@code false} or throw (blocking calls throw {@link InterruptedException}; a loop checks
 *       {@link Thread#isInterrupted()}). A processor that ignores it keeps its worker: the consumer counts that worker
 *       as lost capacity, {@code /health} answers 503 once the attempt is past its deadline, and a revoked record may
 *       then run here and on its new owner at the same time.</li>
 *   <li>Under a share group ({@code --mode share-renew}) the same holds, but a failed attempt is released to the group
 *       for another delivery, and rejected at the last attempt, instead of retried here and dead-lettered (a
 *       {@link RetriableProcessingException} too: every delivery counts with the broker); a worker
 *       that ignores the interrupt gets no record until it returns.</li>
 * </ul>
 */
@FunctionalInterface
public interface Processor {

    /**
     * Processes one record.
     *
     * @return true if done, false if given up (on an interrupt, as the contract above asks)
     */
    boolean process(ConsumerRecord<String, String> record);

    /** The demo's work: {@code perRecord} of CPU whatever the record says, so records from any client cost the same. */
    static Processor cpuWork(Duration perRecord) {
        return record -> CpuWork.burn(perRecord);
    }
}
