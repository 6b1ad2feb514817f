package dev.starvation.kafka.share;

import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.consume.Mode;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of a share-group run: one {@code LEDGER} line per record, the broker's state per partition, and the
 * {@code SUMMARY} line.
 */
public final class ShareReport {

    private static final Logger LOG = LoggerFactory.getLogger(ShareReport.class);

    /** What became of a record, by the broker's start offset and lag and the members' acknowledgements. */
    public enum Outcome {
        /** Finished by the broker after a member's ACCEPT of its last delivery, answered OK, within its lock. */
        ACKNOWLEDGED,
        /** Finished by the broker without a successful processing acknowledged in time: it will never come back. */
        ARCHIVED,
        /** Not finished by the broker yet: available, or locked by a member. */
        PENDING
    }

    /** One record's history and end. */
    public record RecordOutcome(TopicPartition partition, long offset, String key,
            List<ShareLedger.Delivery> deliveries, int processed, int concurrent, List<String> acks, Outcome outcome) {

        /** {@code topic-partition@offset}. */
        public String id() {
            return partition + "@" + offset;
        }

        /** The broker's delivery counts, in the order the members received them. */
        public List<Integer> deliveryCounts() {
            return deliveries.stream().map(ShareLedger.Delivery::count).toList();
        }
    }

    /** The run's counts, from the members' side. */
    record Counts(long records, long processed, long concurrent, long refusedAcks, long renewals, long returnedAgain,
            long released, long rejected, long failed, long deadlinePassed, int stuckWorkers, int members, int lockMs,
            int deliveryLimit, long maxPollGapMillis) {
    }

    private final List<RecordOutcome> outcomes;
    private final List<ShareProgress.PartitionState> broker;
    private final Counts counts;

    ShareReport(List<RecordOutcome> outcomes, List<ShareProgress.PartitionState> broker, Counts counts) {
        this.outcomes = List.copyOf(outcomes);
        this.broker = List.copyOf(broker);
        this.counts = counts;
    }

    /** Every record of the topic, in partition and offset order. */
    public List<RecordOutcome> outcomes() {
        return outcomes;
    }

    /** Records by {@link RecordOutcome#id()}. */
    public Map<String, RecordOutcome> byId() {
        return outcomes.stream().collect(Collectors.toMap(RecordOutcome::id, Function.identity()));
    }

    /** Distinct records processed successfully at least once. */
    public long records() {
        return counts.records();
    }

    /** Successful processings, every member and delivery. */
    public long processed() {
        return counts.processed();
    }

    /** Processings beyond the first of each record. */
    public long duplicates() {
        return counts.processed() - counts.records();
    }

    /** Processings that started while another member was processing the same record. */
    public long concurrent() {
        return counts.concurrent();
    }

    /** Acknowledgements the broker answered with an error (one per record per acknowledgement). */
    public long refusedAcks() {
        return counts.refusedAcks();
    }

    /** RENEW acknowledgements sent. */
    public long renewals() {
        return counts.renewals();
    }

    /** Times a poll handed back a record its member was already working on (after a RENEW). */
    public long returnedAgain() {
        return counts.returnedAgain();
    }

    /** RELEASE acknowledgements sent (a failed record handed back for another try). */
    public long released() {
        return counts.released();
    }

    /** REJECT acknowledgements sent (a record that failed its last attempt). */
    public long rejected() {
        return counts.rejected();
    }

    /** Processings that threw. */
    public long failed() {
        return counts.failed();
    }

    /** Attempts still running at their deadline: interrupted, and released or rejected as failed. */
    public long deadlinePassed() {
        return counts.deadlinePassed();
    }

    /** Workers still held, when their member closed, by attempts that ignored their deadline's interrupt. */
    public int stuckWorkers() {
        return counts.stuckWorkers();
    }

    /** Records with that outcome. */
    public long count(Outcome outcome) {
        return outcomes.stream().filter(o -> o.outcome() == outcome).count();
    }

    /** The longest a member's poll loop went without coming back, in ms. */
    public long maxPollGapMillis() {
        return counts.maxPollGapMillis();
    }

    /** The run's {@code SUMMARY} line. */
    public SummaryLine summary(Mode mode) {
        int maxDelivery = outcomes.stream().flatMap(o -> o.deliveryCounts().stream()).mapToInt(Integer::intValue)
                .max().orElse(0);
        return new SummaryLine().add("mode", mode).add("members", counts.members()).add("lock_ms", counts.lockMs())
                .add("delivery_limit", counts.deliveryLimit()).add("records", records()).add("processed", processed())
                .add("duplicates", duplicates()).add("concurrent", concurrent()).add("refused_acks", refusedAcks())
                .add("archived", count(Outcome.ARCHIVED)).add("acknowledged", count(Outcome.ACKNOWLEDGED))
                .add("pending", count(Outcome.PENDING)).add("max_delivery", maxDelivery).add("renewals", renewals())
                .add("released", released()).add("rejected", rejected()).add("deadline_passed", deadlinePassed())
                .add("stuck_workers", stuckWorkers()).add("max_poll_gap_ms", maxPollGapMillis());
    }

    /** Logs the {@code LEDGER} lines, the broker's {@code GROUP-STATE} and the {@code SUMMARY} line. */
    void log(Mode mode) {
        for (RecordOutcome o : outcomes) {
            LOG.info("LEDGER {} {} {} deliveries={} processed={} concurrent={} acks={}",
                    o.key() == null ? "-" : o.key(), o.id(), o.outcome(), o.deliveries(), o.processed(), o.concurrent(),
                    o.acks());
        }
        broker.forEach(state -> LOG.info("GROUP-STATE {} (Admin.listShareGroupOffsets)", state));
        LOG.info("{}", summary(mode));
    }
}
