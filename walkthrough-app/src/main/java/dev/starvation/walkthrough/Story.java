package dev.starvation.walkthrough;

import dev.starvation.common.LoopbackPorts;
import dev.starvation.common.SummaryLine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the two stories share: checking that a run told what it should, so a walkthrough that did not show it says so. */
abstract class Story {

    /** Which demo {@code --only} keeps. */
    enum Only { http, kafka, share, streams, blast, vthreads }

    final Terminal terminal;
    final Path jar;
    final Path out;
    final RunTable table;
    private final List<String> broken;

    Story(Terminal terminal, Path jar, Path out, RunTable table, List<String> broken) {
        this.terminal = terminal;
        this.jar = jar;
        this.out = out;
        this.table = table;
        this.broken = broken;
    }

    /** Records a broken expectation unless {@code holds}; the walkthrough then ends non-zero, naming it. */
    void expect(boolean holds, String run, String what, SummaryLine seen) {
        if (!holds) {
            broken.add(run + ": expected " + what + ", saw " + seen);
        }
    }

    /** Sends {@code count} job records to {@code topic} with the kafka-demo's {@code produce}, and waits for it. */
    void produce(String bootstrap, String topic, String count) throws Exception {
        try (DemoProcess producer = DemoProcess.start(terminal, "produce", jar, List.of("produce",
                "--bootstrap-servers", bootstrap, "--topic", topic, "--count", count))) {
            int exit = producer.awaitExit(Duration.ofSeconds(60));
            if (exit != 0) {
                throw new IllegalStateException("produce exited with " + exit);
            }
        }
    }
}
