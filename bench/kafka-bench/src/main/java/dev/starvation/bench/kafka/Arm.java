package dev.starvation.bench.kafka;

import dev.starvation.kafka.consume.ConsumerSettings;
import dev.starvation.kafka.consume.Mode;
import dev.starvation.kafka.consume.NaiveConsumer;
import dev.starvation.kafka.consume.OffloadingConsumer;
import dev.starvation.kafka.consume.PollLoop;
import dev.starvation.kafka.ordering.Ordering;
import java.time.Duration;
import java.util.Locale;

/** The consumers compared: the naive loop, the offloading consumer by partition and by key, parallel-consumer. */
enum Arm {
    NAIVE, OFFLOAD_PARTITION, OFFLOAD_KEY, PC_KEY;

    /** Kafka's own max.poll.interval.ms: the naive loop's 500 x 20 ms batches must not be thrown out here. */
    private static final int MAX_POLL_INTERVAL_MS = 300_000;

    /** Starts this arm's consumer on {@code topic}, processing with {@code recorder}. */
    RunningArm start(String bootstrapServers, String topic, String group, int workers, ArmRecorder recorder) {
        if (this == PC_KEY) {
            return ParallelConsumerArm.start(bootstrapServers, topic, group, workers, recorder);
        }
        ConsumerSettings settings = ConsumerSettings.defaults(bootstrapServers, topic, group,
                        this == NAIVE ? Mode.NAIVE : Mode.OFFLOAD)
                .withPolling(ConsumerSettings.KAFKA_MAX_POLL_RECORDS, MAX_POLL_INTERVAL_MS)
                .withWork(Duration.ZERO, workers, 0, Duration.ofMinutes(10))
                .withOrdering(this == OFFLOAD_PARTITION ? Ordering.PARTITION : Ordering.KEY,
                        ConsumerSettings.DEFAULT_MAX_BUFFERED);
        PollLoop loop = this == NAIVE ? new NaiveConsumer(settings, recorder::process)
                : new OffloadingConsumer(settings, recorder::process);
        return DemoArm.start(loop);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
