package dev.starvation.bench.kafka;

import ch.qos.logback.classic.Level;
import dev.starvation.common.Cli;
import dev.starvation.common.SummaryLine;
import dev.starvation.kafka.KafkaVersion;
import dev.starvation.kafka.broker.BrokerCheck;
import dev.starvation.kafka.broker.Topics;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One arm of the key-ordering benchmark, in a JVM of its own so that its CPU time is its own: a new topic, the arm's
 * consumer started and assigned, then the records produced (Zipf-distributed keys, key-hash partitioning) and timed
 * from their timestamps to done. Ends with one {@code BENCH key=value …} line.
 */
@Command(name = "kafka-bench", mixinStandardHelpOptions = true,
        description = "Runs one arm of the key-ordering benchmark against a running broker.")
public final class KafkaBench implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBench.class);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--bootstrap-servers", required = true)
    String bootstrapServers;

    @Option(names = "--arm", required = true, description = "naive, offload-partition, offload-key or pc-key.")
    String arm;

    @Option(names = "--partitions", defaultValue = "1")
    int partitions;

    @Option(names = "--records", defaultValue = "2000")
    int records;

    @Option(names = "--keys", defaultValue = "1000")
    int keys;

    @Option(names = "--zipf-exponent", defaultValue = "1.0")
    double exponent;

    @Option(names = "--work-ms", defaultValue = "20")
    long workMs;

    @Option(names = "--workers", defaultValue = "16")
    int workers;

    @Option(names = "--timeout", defaultValue = "180s")
    Duration timeout;

    /** Runs one arm and exits with 0 if every record was done and committed. */
    public static void main(String[] args) {
        System.exit(Cli.run(new KafkaBench(), args));
    }

    @Override
    public Integer call() throws Exception {
        quietPerRecordLogging();
        Arm chosen = Arm.valueOf(arm.toUpperCase(Locale.ROOT).replace('-', '_'));
        String topic = "bench-" + chosen + "-p" + partitions + "-" + System.currentTimeMillis();
        String group = topic + "-group";
        Topics.ensure(bootstrapServers, topic, partitions);
        ArmRecorder recorder = new ArmRecorder(Duration.ofMillis(workMs));
        long cpuStart = processCpuNanos();

        try (Admin admin = Admin.create(BrokerCheck.adminProperties(bootstrapServers, ADMIN_TIMEOUT))) {
            RunningArm running = chosen.start(bootstrapServers, topic, group, workers, recorder);
            awaitAssigned(admin, group);
            long[] producer = produce(topic);
            long firstTimestamp = producer[0];
            long deadline = System.nanoTime() + timeout.toNanos();
            while (recorder.distinct() < records && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            boolean committed = awaitCommitted(admin, topic, group, deadline);
            long pollCpu = running.pollThreadCpuNanos();
            running.stop();
            pollCpu = Math.max(pollCpu, running.pollThreadCpuNanos());
            long consumerCpu = processCpuNanos() - cpuStart - producer[1];

            Histogram latency = recorder.latencies();
            double seconds = (recorder.lastDoneMs() - firstTimestamp) / 1000.0;
            SummaryLine line = new SummaryLine().add("arm", chosen).add("partitions", partitions)
                    .add("records", recorder.distinct())
                    .add("records_per_s", String.format(Locale.ROOT, "%.1f", recorder.distinct() / seconds))
                    .add("p50_ms", latency.getValueAtPercentile(50)).add("p99_ms", latency.getValueAtPercentile(99))
                    .add("duplicates", recorder.duplicates())
                    .add("cpu_s", String.format(Locale.ROOT, "%.2f", consumerCpu / 1e9))
                    .add("poll_cpu_ms", pollCpu / 1_000_000).add("committed", committed)
                    .add("clients", KafkaVersion.get());
            System.out.println("BENCH" + line.toString().substring(SummaryLine.PREFIX.length()));
            return recorder.distinct() == records && committed ? 0 : 1;
        }
    }

    /** One PROCESS line per record would cost the demo's arms CPU that parallel-consumer does not spend. */
    private static void quietPerRecordLogging() {
        for (String name : List.of("dev.starvation.kafka.ops.RunStats", "dev.starvation.kafka.consume", "io.confluent",
                "pl.tlinkowski")) {
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name)).setLevel(Level.WARN);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Waits until the group is stable and every partition is assigned, so that produced records are read at once. */
    private void awaitAssigned(Admin admin, String group) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            ConsumerGroupDescription d;
            try {
                d = admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
            } catch (ExecutionException notThereYet) {
                Thread.sleep(50);
                continue;
            }
            int assigned = d.members().stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
            if (assigned == partitions && d.groupState().toString().equalsIgnoreCase("stable")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("group " + group + " had no stable assignment of " + partitions
                + " partitions within 60 s");
    }

    /**
     * Sends the records on a thread of its own and returns the first record's timestamp and the CPU the producer
     * spent (its thread and the client's network thread), which is not the consumer's.
     */
    private long[] produce(String topic) throws Exception {
        long[] result = new long[2];
        Thread t = new Thread(() -> {
            ZipfKeys keys = new ZipfKeys(this.keys, exponent, 42);
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-producer");
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            AtomicLong first = new AtomicLong();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < records; i++) {
                    long now = System.currentTimeMillis();
                    first.compareAndSet(0, now);
                    // No partition given: the key's hash chooses, so a key lives on one partition, as in production.
                    producer.send(new ProducerRecord<>(topic, null, now, keys.next(), "job-" + i));
                }
                producer.flush();
                result[1] = THREADS.getCurrentThreadCpuTime() + networkThreadCpu();
            }
            result[0] = first.get();
        }, "bench-producer");
        t.start();
        t.join();
        LOG.info("PRODUCED {} records to {}", records, topic);
        return result;
    }

    private static long networkThreadCpu() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(th -> th.getName().startsWith("kafka-producer-network-thread | bench-producer"))
                .mapToLong(th -> Math.max(0, THREADS.getThreadCpuTime(th.getId()))).sum();
    }

    private boolean awaitCommitted(Admin admin, String topic, String group, long deadlineNanos) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).forEach((tp, info) -> {
            if (info.offset() > 0) {
                ends.put(tp, info.offset());
            }
        });
        long deadline = Math.max(deadlineNanos, System.nanoTime() + Duration.ofSeconds(30).toNanos());
        while (System.nanoTime() < deadline) {
            Map<TopicPartition, Long> committed = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS)
                    .forEach((tp, om) -> {
                        if (om != null) {
                            committed.put(tp, om.offset());
                        }
                    });
            if (committed.equals(ends)) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }
}
