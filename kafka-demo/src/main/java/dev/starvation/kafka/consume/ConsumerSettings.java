package dev.starvation.kafka.consume;

import dev.starvation.kafka.ordering.Ordering;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything one consumer of the demo is run with, in one place; {@link #defaults} reproduce the bug.
 *
 * @param processTime       CPU work per record
 * @param maxPollRecords    Kafka's max.poll.records
 * @param maxPollIntervalMs Kafka's max.poll.interval.ms
 * @param workers           size of the offload worker pool
 * @param stallShare        share after which the watchdog warns: of max.poll.interval.ms for the poll thread, of the
 *                          record deadline for a worker
 * @param expect            stop once this many distinct records are processed and committed (0: never)
 * @param duration          stop after this long anyway
 * @param shutdownGrace     how long a closing offload consumer lets in-flight work finish
 * @param pollGaps          where to write one CSV line per poll, or null
 * @param failures          what the offloading consumer does with a record that fails or hangs
 * @param ordering          what the offload consumer keeps in order within a partition
 * @param maxBuffered       records per partition from the commit offset on, past which the partition is paused
 */
public record ConsumerSettings(String bootstrapServers, String topic, String group, Mode mode, GroupProtocol protocol,
        Duration processTime, int maxPollRecords, int maxPollIntervalMs, int workers, double stallShare, long expect,
        Duration duration, Duration shutdownGrace, Path pollGaps, FailurePolicy failures, Ordering ordering,
        int maxBuffered) {

    /** Kafka's own default for max.poll.records. */
    public static final int KAFKA_MAX_POLL_RECORDS = 500;
    /** The default of {@code --max-buffered}: its commit metadata stays far below the broker's 4 KiB. */
    public static final int DEFAULT_MAX_BUFFERED = 1000;

    /**
     * A run that stops only when told to ({@link PollLoop#stop()}) or when its expected records are done: ten years,
     * far enough never to matter and near enough for {@code System.nanoTime()} arithmetic.
     */
    public static final Duration UNTIL_STOPPED = Duration.ofDays(3650);

    /**
     * The demo's defaults: 1.5 s of CPU per record and max.poll.interval.ms 3 s, so two records outlast a poll; no time
     * limit (the {@code consume} command sets its {@code --duration}).
     */
    public static ConsumerSettings defaults(String bootstrapServers, String topic, String group, Mode mode) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, GroupProtocol.CLASSIC, Duration.ofMillis(1500),
                KAFKA_MAX_POLL_RECORDS, 3000, Runtime.getRuntime().availableProcessors(), 0.5, 0,
                UNTIL_STOPPED, Duration.ofSeconds(5), null, FailurePolicy.defaults(), Ordering.KEY,
                DEFAULT_MAX_BUFFERED);
    }

    /** Throws an {@link IllegalArgumentException} naming the first setting that cannot work. */
    public ConsumerSettings validate() {
        require(!topic.isBlank(), "--topic must not be empty");
        require(!group.isBlank(), "--group must not be empty");
        require(!processTime.isNegative(), "--process-ms must not be negative, got " + processTime.toMillis());
        require(maxPollRecords >= 1, "--max-poll-records must be at least 1, got " + maxPollRecords);
        require(maxPollIntervalMs >= 1, "--max-poll-interval-ms must be at least 1, got " + maxPollIntervalMs);
        require(workers >= 1, "--workers must be at least 1, got " + workers);
        require(stallShare > 0 && stallShare <= 1, "--stall-share must be in (0, 1], got " + stallShare);
        require(expect >= 0, "--expect must not be negative, got " + expect);
        require(!duration.isNegative() && !duration.isZero(), "--duration must be positive, got " + duration);
        require(!shutdownGrace.isNegative(), "--shutdown-grace must not be negative, got " + shutdownGrace);
        failures.validate();
        require(maxBuffered >= 1, "--max-buffered must be at least 1, got " + maxBuffered);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The same settings with another max.poll.records and max.poll.interval.ms (what tuning changes). */
    public ConsumerSettings withPolling(int records, int intervalMs) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, protocol, processTime, records, intervalMs,
                workers, stallShare, expect, duration, shutdownGrace, pollGaps, failures,
                ordering, maxBuffered);
    }

    /** The same settings under another group protocol. */
    public ConsumerSettings withProtocol(GroupProtocol groupProtocol) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, groupProtocol, processTime, maxPollRecords,
                maxPollIntervalMs, workers, stallShare, expect, duration, shutdownGrace, pollGaps, failures,
                ordering, maxBuffered);
    }

    /** The same settings with other work per record, pool size and stop conditions (what tests vary). */
    public ConsumerSettings withWork(Duration perRecord, int workerCount, long expectRecords, Duration maxDuration) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, protocol, perRecord, maxPollRecords,
                maxPollIntervalMs, workerCount, stallShare, expectRecords, maxDuration, shutdownGrace, pollGaps,
                failures, ordering, maxBuffered);
    }

    /** The same settings with another grace for in-flight work on close. */
    public ConsumerSettings withShutdownGrace(Duration grace) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, protocol, processTime, maxPollRecords,
                maxPollIntervalMs, workers, stallShare, expect, duration, grace, pollGaps, failures,
                ordering, maxBuffered);
    }

    /** The same settings writing poll gaps to {@code file}. */
    public ConsumerSettings withPollGaps(Path file) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, protocol, processTime, maxPollRecords,
                maxPollIntervalMs, workers, stallShare, expect, duration, shutdownGrace, file, failures,
                ordering, maxBuffered);
    }

    /** The same settings with another policy for records that fail or hang. */
    public ConsumerSettings withFailures(FailurePolicy policy) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, protocol, processTime, maxPollRecords,
                maxPollIntervalMs, workers, stallShare, expect, duration, shutdownGrace, pollGaps, policy,
                ordering, maxBuffered);
    }

    /** The same settings keeping {@code order} within a partition, holding at most {@code buffered} per partition. */
    public ConsumerSettings withOrdering(Ordering order, int buffered) {
        return new ConsumerSettings(bootstrapServers, topic, group, mode, protocol, processTime, maxPollRecords,
                maxPollIntervalMs, workers, stallShare, expect, duration, shutdownGrace, pollGaps, failures,
                order, buffered);
    }

    /**
     * How long a commit may block the poll thread: half the poll interval, but never less than 1 s (a third of 1.4 s,
     * 466 ms, was seen to time out commits with another process keeping a core busy) nor more than 5 s.
     */
    public Duration commitTimeout() {
        return Duration.ofMillis(Math.max(1_000, Math.min(5_000, maxPollIntervalMs / 2)));
    }

    /**
     * How long a revocation waits for the revoked partitions' records in flight: the shutdown grace, but no more than
     * what the rebalance timeout leaves once the commit after the wait ({@link #commitTimeout}), the heartbeat that
     * brought the rebalance ({@link #classicHeartbeatMs}) and a tenth for the rest are taken off. Both protocols take
     * the rebalance timeout from max.poll.interval.ms (the classic JoinGroup's and the KIP-848 heartbeat's
     * RebalanceTimeoutMs); a member that answers later is fenced, and its commit refused.
     */
    public Duration revocationWait() {
        long budget = maxPollIntervalMs - commitTimeout().toMillis() - classicHeartbeatMs() - maxPollIntervalMs / 10L;
        Duration room = Duration.ofMillis(Math.max(0, budget));
        return shutdownGrace.compareTo(room) < 0 ? shutdownGrace : room;
    }

    /** The gap between polls after which the watchdog logs {@code STALL}. */
    public Duration stallLimit() {
        return Duration.ofMillis(Math.max(1, Math.round(maxPollIntervalMs * stallShare)));
    }

    /** The classic protocol's heartbeat: Kafka's 3 s, or a fifth of max.poll.interval.ms if that is shorter. */
    int classicHeartbeatMs() {
        return Math.max(100, Math.min(3_000, maxPollIntervalMs / 5));
    }

    /** The group protocol as printed in the SUMMARY line. */
    public String protocolName() {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    /** The Kafka consumer's properties: manual commits, from the earliest offset, this run's polling limits. */
    public Properties kafkaProperties(String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.name());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords));
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, String.valueOf(maxPollIntervalMs));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        if (protocol == GroupProtocol.CLASSIC) {
            // A classic member hears of a rebalance only at its next heartbeat (3 s by default) and is dropped if it
            // has not rejoined within the rebalance timeout, which is max.poll.interval.ms: with second-scale
            // intervals the heartbeat must come back several times within one interval.
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, String.valueOf(classicHeartbeatMs()));
        }
        if (protocol == GroupProtocol.CLASSIC && mode == Mode.OFFLOAD) {
            // Incremental rebalances: a member joining takes partitions away one by one, the rest keep their work.
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        }
        return p;
    }
}
