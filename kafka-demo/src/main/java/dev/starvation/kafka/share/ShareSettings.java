package dev.starvation.kafka.share;

import dev.starvation.kafka.consume.Mode;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything one share-group run is made of, in one place: the group's lock and delivery limit (set on the broker),
 * the members in this process, and the work per record.
 *
 * @param members        share consumers run in this process, each on its own thread
 * @param processTime    work per record
 * @param lockMs         the group's share.record.lock.duration.ms
 * @param deliveryLimit  the group's share.delivery.count.limit
 * @param maxAttempts    share-renew: a record that fails is released for another try, and rejected at this attempt
 * @param workers        share-renew: worker threads per member, and so records a member takes at a time
 * @param stallShare     share of the lock after which a silent poll loop is reported as {@code STALL}
 * @param expect         stop once the broker has finished this many records (acknowledged or archived; 0: never)
 * @param duration       stop after this long anyway
 * @param shutdownGrace  share-renew: how long records in work may finish once a stop is asked for
 */
public record ShareSettings(String bootstrapServers, String topic, String group, Mode mode, int members,
        Duration processTime, int lockMs, int deliveryLimit, int maxAttempts, int workers, double stallShare,
        long expect, Duration duration, Duration shutdownGrace) {

    /** The demo's defaults: two members, 1.5 s of work per record against a 1 s lock, three deliveries at most. */
    public static ShareSettings defaults(String bootstrapServers, String topic, String group, Mode mode) {
        return new ShareSettings(bootstrapServers, topic, group, mode, 2, Duration.ofMillis(1500), 1000, 3, 3,
                Runtime.getRuntime().availableProcessors(), 0.5, 0, Duration.ofSeconds(60), Duration.ofSeconds(5));
    }

    /**
     * Throws an {@link IllegalArgumentException} naming the first setting that cannot work. The lock and the delivery
     * limit are only checked for sign here: their bounds are the broker's, and it names them when it refuses a value.
     */
    public ShareSettings validate() {
        require(mode.isShareGroup(), "share settings need --mode share or share-renew, got " + mode);
        require(!topic.isBlank(), "--topic must not be empty");
        require(!group.isBlank(), "--group must not be empty");
        require(members >= 1, "--members must be at least 1, got " + members);
        require(!processTime.isNegative(), "--process-ms must not be negative, got " + processTime.toMillis());
        require(lockMs >= 1, "--lock-ms must be positive, got " + lockMs);
        require(deliveryLimit >= 1, "--delivery-limit must be positive, got " + deliveryLimit);
        require(maxAttempts >= 1, "--max-attempts must be at least 1, got " + maxAttempts);
        require(workers >= 1, "--workers must be at least 1, got " + workers);
        require(stallShare > 0 && stallShare <= 1, "--stall-share must be in (0, 1], got " + stallShare);
        require(expect >= 0, "--expect must not be negative, got " + expect);
        require(!duration.isNegative() && !duration.isZero(), "--duration must be positive, got " + duration);
        require(!shutdownGrace.isNegative(), "--shutdown-grace must not be negative, got " + shutdownGrace);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The same settings with other members, work per record and workers per member (what tests vary). */
    public ShareSettings withWork(int memberCount, Duration perRecord, int workerCount) {
        return new ShareSettings(bootstrapServers, topic, group, mode, memberCount, perRecord, lockMs, deliveryLimit,
                maxAttempts, workerCount, stallShare, expect, duration, shutdownGrace);
    }

    /** The same settings with another lock, delivery limit and attempts before a failing record is rejected. */
    public ShareSettings withLock(int lock, int limit, int attempts) {
        return new ShareSettings(bootstrapServers, topic, group, mode, members, processTime, lock, limit, attempts,
                workers, stallShare, expect, duration, shutdownGrace);
    }

    /** The same settings with other stop conditions. */
    public ShareSettings withStop(long expectRecords, Duration maxDuration) {
        return new ShareSettings(bootstrapServers, topic, group, mode, members, processTime, lockMs, deliveryLimit,
                maxAttempts, workers, stallShare, expectRecords, maxDuration, shutdownGrace);
    }

    /** The same settings with another grace for records in work when a stop is asked for. */
    public ShareSettings withShutdownGrace(Duration grace) {
        return new ShareSettings(bootstrapServers, topic, group, mode, members, processTime, lockMs, deliveryLimit,
                maxAttempts, workers, stallShare, expect, duration, grace);
    }

    /** The renewing fix's records per poll: no more than its workers can start at once, so the rest stay for others. */
    int recordsPerPoll() {
        return workers;
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
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (mode == Mode.SHARE_RENEW) {
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
