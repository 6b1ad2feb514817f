package dev.starvation.bench.kafka;

import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.CommitMode;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Confluent's parallel-consumer with {@code ProcessingOrder.KEY} and {@code maxConcurrency} workers, on a classic
 * group like the other arms. Its polling is split over two threads (broker poll and control loop): both are counted
 * as its poll thread, since together they do what the demo's poll thread does.
 */
final class ParallelConsumerArm implements RunningArm {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final ParallelStreamProcessor<String, String> processor;
    private final Set<Long> pollThreads = ConcurrentHashMap.newKeySet();
    private long lastCpu;

    private ParallelConsumerArm(ParallelStreamProcessor<String, String> processor) {
        this.processor = processor;
    }

    static ParallelConsumerArm start(String bootstrapServers, String topic, String group, int workers,
            ArmRecorder recorder) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "parallel-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        ParallelConsumerOptions<String, String> options = ParallelConsumerOptions.<String, String>builder()
                .consumer(new KafkaConsumer<>(p))
                .ordering(ProcessingOrder.KEY)
                .maxConcurrency(workers)
                .commitMode(CommitMode.PERIODIC_CONSUMER_SYNC)
                .build();
        ParallelStreamProcessor<String, String> pc = ParallelStreamProcessor.createEosStreamProcessor(options);
        pc.subscribe(List.of(topic));
        pc.poll(context -> {
            if (!recorder.process(context.getSingleConsumerRecord())) {
                throw new IllegalStateException("interrupted");
            }
        });
        return new ParallelConsumerArm(pc);
    }

    /** Finds parallel-consumer's broker-poll and control threads by what they run. */
    private void findPollThreads() {
        for (ThreadInfo info : THREADS.dumpAllThreads(false, false)) {
            boolean polling = Arrays.stream(info.getStackTrace()).anyMatch(frame ->
                    frame.getClassName().endsWith("BrokerPollSystem")
                            || frame.getMethodName().equals("controlLoop"));
            if (polling) {
                pollThreads.add(info.getThreadId());
            }
        }
    }

    @Override
    public synchronized long pollThreadCpuNanos() {
        findPollThreads();
        long cpu = pollThreads.stream().mapToLong(THREADS::getThreadCpuTime).filter(t -> t > 0).sum();
        lastCpu = Math.max(lastCpu, cpu);
        return lastCpu;
    }

    @Override
    public void stop() {
        pollThreadCpuNanos();
        processor.close();
    }
}
