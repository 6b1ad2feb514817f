package dev.starvation.kafka.streams;

import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;

/** The Streams application's topology for each mode. */
final class JobTopology {

    private JobTopology() {
    }

    /**
     * Naive and tuned: jobs → the slow step ({@code work} for {@code perRecord} each) → output. Split: jobs → {@code <topic>.work} (routing only), and
     * {@code <topic>.results} → output, so the slow step runs outside the StreamThread and the results come back in.
     */
    static Topology build(StreamsSettings settings, Work work, Duration perRecord) {
        // Built with the application's configuration, as Streams would: a bare Topology reads an empty one, and warns.
        Topology t = new Topology(new TopologyConfig(new StreamsConfig(settings.streamsProperties())));
        var strings = Serdes.String();
        t.addSource("jobs", strings.deserializer(), strings.deserializer(), settings.topic());
        if (settings.mode() == StreamsMode.SPLIT) {
            t.addSink("to-work", settings.workTopic(), strings.serializer(), strings.serializer(), "jobs");
            t.addSource("results", strings.deserializer(), strings.deserializer(), settings.resultsTopic());
            t.addSink("to-output", settings.outputTopic(), strings.serializer(), strings.serializer(), "results");
        } else {
            t.addProcessor("slow-step", () -> new SlowStep(work, perRecord), "jobs");
            t.addSink("to-output", settings.outputTopic(), strings.serializer(), strings.serializer(), "slow-step");
        }
        return t;
    }
}
