package dev.starvation.kafka.share;

import dev.starvation.common.StallWatchdog;
import dev.starvation.kafka.consume.Processor;
import dev.starvation.kafka.ops.RunStats;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bug under a share group: each record of a poll is processed inside the poll loop, then the batch is committed,
 * which with implicit acknowledgement accepts every record of it. When the batch outlasts the acquisition lock, the
 * broker hands the records to another member while this one still works on them, refuses this one's late
 * acknowledgement, and archives each record once its delivery limit is spent.
 */
final class InLoopShareConsumer extends ShareMember {

    private static final Logger LOG = LoggerFactory.getLogger(InLoopShareConsumer.class);

    InLoopShareConsumer(String name, ShareSettings settings, Processor processor, ShareLedger ledger,
            StallWatchdog watchdog, int lockMs) {
        super(name, settings, processor, ledger, watchdog, lockMs);
    }

    @Override
    String describe() {
        return "implicit acknowledgement, whole batches, processing inside the poll loop";
    }

    @Override
    void handle(KafkaShareConsumer<String, String> consumer, ConsumerRecords<String, String> records) {
        long lockEnd = lockEndFromNow();
        List<ConsumerRecord<String, String>> batch = new ArrayList<>();
        records.forEach(batch::add);
        batch.forEach(record -> ledger.delivered(name, record));
        logBatch(batch, settings.deliveryLimit());
        for (ConsumerRecord<String, String> record : batch) {
            // The bug: the poll thread is busy here for the whole batch while every record's lock runs out.
            ledger.started(name, record);
            boolean done = false;
            try {
                done = processor.process(record);
            } catch (RuntimeException e) {
                ledger.failed();
                LOG.warn("FAILED {} {} on {}: {} (implicit acknowledgement accepts it anyway)", record.key(),
                        RunStats.id(record), name, e.toString());
            }
            ledger.finished(name, record, done);
        }
        // Implicit acknowledgement: the commit accepts every record of the batch, processed or not, late or not.
        batch.forEach(record -> ledger.sent(name, record, AcknowledgeType.ACCEPT, lockEnd));
        commit(consumer);
    }
}
