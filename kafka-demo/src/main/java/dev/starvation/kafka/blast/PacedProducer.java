package dev.starvation.kafka.blast;

import dev.starvation.kafka.broker.Waiting;
import dev.starvation.kafka.produce.JobProducer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a topic at a steady rate for a given time, round robin over its partitions; each record's timestamp is its
 * send time, from which the consumers measure how long it waited.
 */
final class PacedProducer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PacedProducer.class);
    private static final long TICK_MS = 10;

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final int partitions;
    private final int rate;

    /**
     * Connects and sends {@code warmup-0} to partition 0 now, so that the feed's first records do not wait for the
     * topic's metadata and the producer id of an idempotent producer (seconds on a busy machine).
     */
    PacedProducer(String bootstrapServers, String topic, int partitions, int rate) {
        this.producer = new KafkaProducer<>(JobProducer.properties(bootstrapServers));
        this.topic = topic;
        this.partitions = partitions;
        this.rate = rate;
        Waiting.get(producer.send(new ProducerRecord<>(topic, 0, "warmup-0", "warmup-0")), Duration.ofSeconds(30),
                "cannot send to " + topic);
    }

    /**
     * Sends {@code rate} records a second for {@code duration}, then waits until the broker has them all.
     *
     * @return the number of records sent
     * @throws IllegalStateException if the broker refused one
     */
    long run(Duration duration) throws InterruptedException {
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long sent = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long now = start; now < end; now = System.nanoTime()) {
            // As many as the rate allows by now: a late tick catches up instead of lowering the rate.
            long due = (now - start) * rate / 1_000_000_000L;
            for (; sent < due; sent++) {
                String job = "job-" + sent;
                producer.send(new ProducerRecord<>(topic, (int) (sent % partitions), job, job), (md, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        acked.incrementAndGet();
                    }
                });
            }
            Thread.sleep(TICK_MS);
        }
        producer.flush();
        if (failure.get() != null) {
            throw new IllegalStateException("cannot send to " + topic + ": " + failure.get().getMessage(),
                    failure.get());
        }
        LOG.info("PRODUCED {} records to {} at {} records/s ({} acknowledged)", sent, topic, rate, acked.get());
        return sent;
    }

    @Override
    public void close() {
        producer.close();
    }
}
