package dev.starvation.kafka.streams;

import dev.starvation.kafka.broker.Waiting;
import dev.starvation.kafka.consume.ConsumerSettings;
import dev.starvation.kafka.consume.Mode;
import dev.starvation.kafka.consume.OffloadingConsumer;
import dev.starvation.kafka.consume.Processor;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The split mode's slow step, outside Kafka Streams: the project's {@link OffloadingConsumer} reads the jobs the
 * topology routed to {@code <topic>.work} and runs each on a worker (key order, commit metadata, retries, dead-letter
 * topic, all as in {@code consume --mode offload}); a job is done, and its offset committable, once its result is on
 * {@code <topic>.results}, which the topology forwards to the output topic.
 */
final class SplitWorker implements Processor, AutoCloseable {

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Work work;
    private final Duration perRecord;
    private final String resultsTopic;
    private final KafkaProducer<String, String> producer;
    private final OffloadingConsumer consumer;
    private final Thread pollThread;

    SplitWorker(StreamsSettings settings, Work work) {
        this.work = work;
        this.perRecord = settings.processTime();
        this.resultsTopic = settings.resultsTopic();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(SEND_TIMEOUT.toMillis()));
        this.producer = new KafkaProducer<>(p);
        ConsumerSettings offload = ConsumerSettings.defaults(settings.bootstrapServers(), settings.workTopic(),
                        settings.workGroup(), Mode.OFFLOAD)
                .withPolling(ConsumerSettings.KAFKA_MAX_POLL_RECORDS, settings.maxPollIntervalMs())
                .withWork(perRecord, settings.workers(), 0, settings.duration().plusSeconds(30));
        this.consumer = new OffloadingConsumer(offload, this);
        this.pollThread = new Thread(consumer::run, "split-poll");
    }

    SplitWorker start() {
        pollThread.start();
        return this;
    }

    /** On a worker of the offloading consumer: the slow step, then its result on the results topic. */
    @Override
    public boolean process(ConsumerRecord<String, String> record) {
        if (!work.perform(perRecord)) {
            return false;
        }
        Waiting.get(producer.send(new ProducerRecord<>(resultsTopic, record.partition(), record.key(),
                Results.of(record.value()))), SEND_TIMEOUT, "cannot send the result of " + record.key());
        return true;
    }

    @Override
    public void close() {
        consumer.stop();
        try {
            pollThread.join(Duration.ofSeconds(15).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
