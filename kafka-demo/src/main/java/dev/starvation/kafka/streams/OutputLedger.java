package dev.starvation.kafka.streams;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The output topic as any client sees it: a {@code read_committed} reader counts every result and every distinct key
 * while the run goes on ({@code OUTPUT} lines, {@code DUPLICATE} for a key seen again); once the run is over,
 * {@link #abortedTransactions} reads the topic {@code read_uncommitted} too and counts the transactions whose records a
 * committed reader never saw.
 */
final class OutputLedger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputLedger.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final String bootstrapServers;
    private final String topic;
    private final int partitions;
    private final Map<String, Integer> timesSeen = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private final Thread reader;
    private volatile boolean running = true;
    private volatile long stoppedAtNanos = Long.MAX_VALUE;

    OutputLedger(String bootstrapServers, String topic, int partitions) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.partitions = partitions;
        this.reader = new Thread(this::read, "output-ledger");
        this.reader.setDaemon(true);
    }

    OutputLedger start() {
        reader.start();
        return this;
    }

    private void read() {
        try (KafkaConsumer<String, String> consumer = consumer(IsolationLevel.READ_COMMITTED)) {
            while (running || !caughtUp(consumer)) {
                for (ConsumerRecord<String, String> r : consumer.poll(POLL)) {
                    total.incrementAndGet();
                    int times = timesSeen.merge(String.valueOf(r.key()), 1, Integer::sum);
                    if (times == 1) {
                        LOG.info("OUTPUT {} {}@{}", r.key(), topic + "-" + r.partition(), r.offset());
                    } else {
                        LOG.info("DUPLICATE {} in {} ({} times): processed again after a fence", r.key(), topic,
                                times);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // Closing.
        }
    }

    /**
     * Whether the reader has everything a committed reader can read now; asked once the run is over, so the counts
     * include the last results, and given up {@link #DRAIN} after the run.
     */
    private boolean caughtUp(KafkaConsumer<String, String> consumer) {
        if (System.nanoTime() > stoppedAtNanos + DRAIN.toNanos()) {
            return true;
        }
        return consumer.endOffsets(consumer.assignment()).entrySet().stream()
                .allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private KafkaConsumer<String, String> consumer(IsolationLevel isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p);
        List<TopicPartition> tps = java.util.stream.IntStream.range(0, partitions)
                .mapToObj(i -> new TopicPartition(topic, i)).toList();
        c.assign(tps);
        c.seekToBeginning(tps);
        return c;
    }

    /** Results a committed reader has seen, duplicates included. */
    long total() {
        return total.get();
    }

    /** Distinct keys among them. */
    long distinct() {
        return timesSeen.size();
    }

    /**
     * Transactions aborted on the output topic: each transaction ends in one control marker per partition it wrote to,
     * which takes an offset no reader is given; a marker after records that the committed reader never saw ended an
     * aborted transaction. Reads the whole topic: call it once, after the run.
     */
    long abortedTransactions() {
        Set<String> committedOffsets = new HashSet<>();
        Set<String> allOffsets = new HashSet<>();
        Map<TopicPartition, Long> ends;
        try (KafkaConsumer<String, String> committed = consumer(IsolationLevel.READ_COMMITTED);
             KafkaConsumer<String, String> all = consumer(IsolationLevel.READ_UNCOMMITTED)) {
            ends = all.endOffsets(all.assignment());
            drain(committed, committedOffsets, committed.endOffsets(committed.assignment()));
            drain(all, allOffsets, ends);
        }
        long aborted = 0;
        for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
            boolean pendingUnseen = false;
            for (long o = 0; o < e.getValue(); o++) {
                String id = e.getKey().partition() + "@" + o;
                if (allOffsets.contains(id)) {
                    pendingUnseen |= !committedOffsets.contains(id);
                } else {
                    // A control marker: it ends the transaction whose records came before it.
                    if (pendingUnseen) {
                        aborted++;
                    }
                    pendingUnseen = false;
                }
            }
        }
        return aborted;
    }

    private static void drain(KafkaConsumer<String, String> consumer, Set<String> offsets,
            Map<TopicPartition, Long> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && until.entrySet().stream()
                .anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            for (ConsumerRecord<String, String> r : consumer.poll(POLL)) {
                offsets.add(r.partition() + "@" + r.offset());
            }
        }
    }

    /** Reads what is left up to the end offsets of now, then stops; the counts are final once it returns. */
    void finish() {
        stoppedAtNanos = System.nanoTime();
        running = false;
        try {
            reader.join(DRAIN.toMillis() + 2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stoppedAtNanos = Math.min(stoppedAtNanos, System.nanoTime());
        running = false;
        try {
            reader.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
