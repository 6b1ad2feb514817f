package dev.starvation.kafka.share;

import dev.starvation.kafka.consume.ConsumerSettings;
import dev.starvation.kafka.consume.Mode;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything one share-group run is made of: what every consumer of the demo has ({@code common}: broker, topic,
 * group, work per record, workers, stop conditions), and what a share group adds, the group's lock and delivery limit
 * (set on the broker) and the members run in this process.
 *
 * @param common        the consumer settings shared with the consumer-group demo; its polling limits do not apply
 * @param members       share consumers run in this process, each on its own thread
 * @param lockMs        the group's share.record.lock.duration.ms
 * @param deliveryLimit the group's share.delivery.count.limit
 * @param maxAttempts   share-renew: a record that fails is released for another try, and rejected at this attempt
 */
public record ShareSettings(ConsumerSettings common, int members, int lockMs, int deliveryLimit, int maxAttempts) {

    /** The demo's defaults: two members, 1.5 s of work per record against a 1 s lock, three deliveries at most. */
    public static ShareSettings defaults(String bootstrapServers, String topic, String group, Mode mode) {
        return new ShareSettings(ConsumerSettings.defaults(bootstrapServers, topic, group, mode), 2, 1000, 3, 3);
    }

    /**
     * Throws an {@link IllegalArgumentException} naming the first setting that cannot work. The lock and the delivery
     * limit are only checked for sign here: their bounds are the broker's, and it names them when it refuses a value.
     */
    public ShareSettings validate() {
        require(mode().isShareGroup(), "share settings need --mode share or share-renew, got " + mode());
        common.validate();
        require(members >= 1, "--members must be at least 1, got " + members);
        require(lockMs >= 1, "--lock-ms must be positive, got " + lockMs);
        require(deliveryLimit >= 1, "--delivery-limit must be positive, got " + deliveryLimit);
        require(maxAttempts >= 1, "--max-attempts must be at least 1, got " + maxAttempts);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The same settings with other members, work per record and workers per member (what tests vary). */
    public ShareSettings withWork(int memberCount, Duration perRecord, int workerCount) {
        return new ShareSettings(common.withWork(perRecord, workerCount, expect(), duration()), memberCount, lockMs,
                deliveryLimit, maxAttempts);
    }

    /** The same settings with another lock, delivery limit and attempts before a failing record is rejected. */
    public ShareSettings withLock(int lock, int limit, int attempts) {
        return new ShareSettings(common, members, lock, limit, attempts);
    }

    /** The same settings stopping once the broker finished {@code expectRecords}, or after {@code maxDuration}. */
    public ShareSettings withStop(long expectRecords, Duration maxDuration) {
        return new ShareSettings(common.withWork(processTime(), workers(), expectRecords, maxDuration), members,
                lockMs, deliveryLimit, maxAttempts);
    }

    /** The same settings with another {@code --record-deadline}: how long one attempt at a record may run. */
    public ShareSettings withRecordDeadline(Duration deadline) {
        return new ShareSettings(common.withFailures(common.failures().withRecordDeadline(deadline)), members, lockMs,
                deliveryLimit, maxAttempts);
    }

    /** The same settings with another grace for records in work when a stop is asked for. */
    public ShareSettings withShutdownGrace(Duration grace) {
        return new ShareSettings(common.withShutdownGrace(grace), members, lockMs, deliveryLimit, maxAttempts);
    }

    String bootstrapServers() {
        return common.bootstrapServers();
    }

    String topic() {
        return common.topic();
    }

    String group() {
        return common.group();
    }

    Mode mode() {
        return common.mode();
    }

    /** Work per record. */
    Duration processTime() {
        return common.processTime();
    }

    /** share-renew: worker threads per member, and so records a member takes at a time. */
    int workers() {
        return common.workers();
    }

    /**
     * share-renew: how long one attempt at a record may run; then its worker is interrupted, the attempt counts as
     * failed and the record is released or rejected.
     */
    Duration recordDeadline() {
        return common.failures().recordDeadline();
    }

    /**
     * Share after which a silent poll loop is reported as {@code STALL} (of the lock), and a worker still on one
     * record (of the record deadline).
     */
    double stallShare() {
        return common.stallShare();
    }

    /** Stop once the broker has finished this many records (acknowledged or archived; 0: never). */
    long expect() {
        return common.expect();
    }

    Duration duration() {
        return common.duration();
    }

    /** share-renew: how long records in work may finish once a stop is asked for. */
    Duration shutdownGrace() {
        return common.shutdownGrace();
    }

    /** The renewing fix's records per poll: no more than its workers can start at once, so the rest stay for others. */
    int recordsPerPoll() {
        return workers();
    }

    /** A tenth of the lock, at most Kafka's default of 500 ms. */
    int fetchMaxWaitMs() {
        return Math.max(10, Math.min(500, lockMs / 10));
    }

    /**
     * A share consumer's properties. The bug keeps Kafka's defaults: implicit acknowledgement, whole batches. The fix
     * acknowledges explicitly and takes at most one record per worker, so no record's lock runs while it waits for
     * a worker.
     */
    Properties kafkaProperties(String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (mode() == Mode.SHARE_RENEW) {
            p.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
            p.put(ConsumerConfig.SHARE_ACQUIRE_MODE_CONFIG, "record_limit");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(recordsPerPoll()));
            // A RENEW waits behind a fetch in flight to the same broker, and an empty fetch waits up to this long
            // there: keep it a small share of the lock (Kafka's 500 ms would eat half of a 1 s lock).
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(fetchMaxWaitMs()));
        }
        return p;
    }
}
