package dev.starvation.kafka.streams;

import dev.starvation.common.Durations;
import dev.starvation.kafka.consume.Tuning;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.GroupProtocol;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything one run of the Streams application is started with; {@link #validate()} names the first setting that
 * cannot work.
 *
 * @param outputTopic      where the results land, keyed as the input, in every mode
 * @param threads          num.stream.threads
 * @param maxPollIntervalMs the main consumer's max.poll.interval.ms as asked; {@link #effectivePollIntervalMs()} is what
 *                         runs (the tuned mode sizes it to the work)
 * @param expect           stop once this many distinct records are in the output (0: run for the duration)
 * @param progressDeadline /health fails when input lag is positive and nothing was committed for this long
 * @param stateDir         Kafka Streams' state.dir (this run's own)
 */
public record StreamsSettings(String bootstrapServers, String topic, String outputTopic, String applicationId,
        StreamsMode mode, GroupProtocol protocol, Guarantee guarantee, int threads, Duration processTime,
        int maxPollIntervalMs, Duration commitInterval, long expect, Duration duration, Duration progressDeadline,
        int workers, Path stateDir) {

    /** The watchdog's STALL line and /health's poll check come at this share of max.poll.interval.ms. */
    public static final double STALL_SHARE = 0.5;

    /** Throws an {@link IllegalArgumentException} naming the first setting that cannot work. */
    public StreamsSettings validate() {
        require(!topic.isBlank(), "--topic must not be empty");
        require(!outputTopic.isBlank(), "--output-topic must not be empty");
        require(!outputTopic.equals(topic), "--output-topic must differ from --topic, both are " + topic);
        require(!applicationId.isBlank(), "--application-id must not be empty");
        require(applicationId.matches("[a-zA-Z0-9._-]+"),
                "--application-id may hold only letters, digits, '.', '_' and '-', got " + applicationId);
        require(threads >= 1, "--threads must be at least 1, got " + threads);
        require(!processTime.isNegative(), "--process-ms must not be negative, got " + processTime.toMillis());
        require(maxPollIntervalMs >= 1, "--max-poll-interval-ms must be at least 1, got " + maxPollIntervalMs);
        require(!commitInterval.isNegative() && !commitInterval.isZero(),
                "--commit-interval must be positive, got " + Durations.format(commitInterval));
        require(expect >= 0, "--expect must not be negative, got " + expect);
        require(!duration.isNegative() && !duration.isZero(), "--duration must be positive, got " + Durations.format(duration));
        require(!progressDeadline.isNegative() && !progressDeadline.isZero(),
                "--progress-deadline must be positive, got " + Durations.format(progressDeadline));
        require(workers >= 1, "--workers must be at least 1, got " + workers);
        return this;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The default --progress-deadline: twice the interval the run uses. */
    public static Duration defaultProgressDeadline(int effectiveIntervalMs) {
        return Duration.ofMillis(2L * effectiveIntervalMs);
    }

    /** The max.poll.interval.ms the run uses: as given, or in tuned mode sized to one record's work. */
    public int effectivePollIntervalMs() {
        return mode == StreamsMode.TUNED ? Tuning.intervalFor(processTime, STALL_SHARE, maxPollIntervalMs)
                : maxPollIntervalMs;
    }

    /** The topic the split topology routes jobs to, for the offloading consumer. */
    public String workTopic() {
        return topic + ".work";
    }

    /** The topic the offloading consumer writes results to, which the split topology forwards to the output. */
    public String resultsTopic() {
        return topic + ".results";
    }

    /** The consumer group of the split mode's offloading consumer. */
    public String workGroup() {
        return applicationId + "-work";
    }

    /** The protocol as printed in the SUMMARY line. */
    public String protocolName() {
        return protocol.name().toLowerCase(Locale.ROOT);
    }

    /** Kafka Streams' configuration for this run. */
    public Properties streamsProperties() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        // Thread names <client.id>-StreamThread-N, short enough to read in a log line (the default adds a UUID).
        p.put(StreamsConfig.CLIENT_ID_CONFIG, applicationId);
        // This application has no global state; the setting only quiets Streams' warning that it is off.
        p.put("processing.exception.handler.global.enabled", true);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class.getName());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee.config());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, protocol.name().toLowerCase(Locale.ROOT));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        int interval = effectivePollIntervalMs();
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), interval);
        p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        if (mode == StreamsMode.TUNED) {
            // Streams processes what one poll brought until half the interval has passed: with 1000 records a poll,
            // a longer interval only lets it process more of them before it polls again. One record a poll bounds it.
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 1);
        }
        if (protocol == GroupProtocol.CLASSIC) {
            // As the plain consumer: a classic member hears of a rebalance at its next heartbeat, and must rejoin within
            // the interval; with second-scale intervals it must beat several times per interval.
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                    Math.max(100, Math.min(3_000, interval / 5)));
        }
        return p;
    }
}
