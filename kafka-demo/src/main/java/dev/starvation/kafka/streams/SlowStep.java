package dev.starvation.kafka.streams;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * The slow step as most Streams applications write it: the work inside {@code process()}, on the StreamThread, which
 * cannot poll until it returns. Its frame is the one the {@code STALL} line names.
 */
final class SlowStep implements Processor<String, String, String, String> {

    private final Work work;
    private final Duration perRecord;
    private ProcessorContext<String, String> context;

    SlowStep(Work work, Duration perRecord) {
        this.work = work;
        this.perRecord = perRecord;
    }

    @Override
    public void init(ProcessorContext<String, String> processorContext) {
        this.context = processorContext;
    }

    @Override
    public void process(Record<String, String> record) {
        work.perform(perRecord);
        context.forward(record.withValue(Results.of(record.value())));
    }
}
