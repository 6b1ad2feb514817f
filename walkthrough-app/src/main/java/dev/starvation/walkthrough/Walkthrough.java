package dev.starvation.walkthrough;

import dev.starvation.common.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code ./walkthrough} story: the demos, bug then fixes, each act announced (the Kafka one twice: consumer group,
 * then share group; virtual threads last, on a JDK 21+), ending in one table and the charts.
 */
@Command(name = "walkthrough", mixinStandardHelpOptions = true,
        description = "Runs the http-demo, kafka-demo and vthreads-demo acts in order and puts their SUMMARY lines"
                + " side by side.")
public final class Walkthrough implements Callable<Integer> {

    @Option(names = "--http-jar", description = "The http-demo jar (default: ${DEFAULT-VALUE}).")
    Path httpJar = Path.of("http-demo/target/http-demo.jar");

    @Option(names = "--kafka-jar", description = "The kafka-demo jar (default: ${DEFAULT-VALUE}).")
    Path kafkaJar = Path.of("kafka-demo/target/kafka-demo.jar");

    @Option(names = "--vthreads-jar", description = "The vthreads-demo jar (default: ${DEFAULT-VALUE}).")
    Path vthreadsJar = Path.of("vthreads-demo/target/vthreads-demo.jar");

    @Option(names = "--vthreads-java", description = {"The java of a JDK 21+ to run the vthreads-demo jar with"
            + " (default: $VTHREADS_JAVA, else this JVM if 21+, else the newest JDK 21+ the build's toolchain"
            + " discovery wrote to --discovered-jdks)."})
    Path vthreadsJava;

    @Option(names = "--discovered-jdks", description = "The JDKs the build found (default: ${DEFAULT-VALUE}).")
    Path discoveredJdks = Path.of("vthreads-demo/target/discovered-jdks.xml");

    @Option(names = "--out", description = "Where the charts go (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("target/walkthrough");

    @Option(names = "--only", description = "Run one story only: http, kafka, share (kafka under a share group), streams"
            + " (Kafka Streams), blast (one starved member's effect on its group) or vthreads (virtual threads, JDK 21+).")
    Story.Only only;

    @Option(names = "--color", description = "Colour the output (./walkthrough sets it on a TTY unless NO_COLOR is set).")
    boolean colour;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(Cli.run(new Walkthrough(), args));
    }

    /**
     * The virtual-thread act, run with a JDK 21+. Without one, {@code --only vthreads} fails naming what is missing;
     * the full walkthrough says so and goes on, as the build skips the module.
     */
    private Optional<Path> vthreads(Terminal terminal, RunTable table, List<String> broken) throws Exception {
        Optional<Path> java = Jdk21.find(vthreadsJava, System.getenv("VTHREADS_JAVA"), discoveredJdks);
        if (java.isEmpty() || !Files.isRegularFile(vthreadsJar)) {
            String why = java.isEmpty() ? Jdk21.missing(discoveredJdks)
                    : vthreadsJar + " is missing: build it with mvn -q -DskipTests package on a machine with a JDK 21+";
            if (only == Story.Only.vthreads) {
                throw new IllegalStateException(why);
            }
            terminal.heading("6. vthreads-demo SKIPPED: " + why);
            return Optional.empty();
        }
        return Optional.of(new VthreadsStory(terminal, httpJar, vthreadsJar, java.get(), out, table, broken).tell());
    }

    @Override
    public Integer call() throws Exception {
        for (Path jar : List.of(httpJar, kafkaJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException(jar + " is missing: build it with mvn -q -DskipTests package");
            }
        }
        Files.createDirectories(out);
        Terminal terminal = new Terminal(System.out, colour);
        RunTable table = new RunTable();
        List<String> broken = new ArrayList<>();
        List<Path> charts = new ArrayList<>();
        long start = System.nanoTime();
        try (LeadTimes leadTimes = LeadTimes.start(terminal)) {
            if (only == null || only == Story.Only.http) {
                charts.add(new HttpStory(terminal, httpJar, out, table, broken, leadTimes).tell());
            }
            if (only == null || only == Story.Only.kafka) {
                KafkaStory kafka = new KafkaStory(terminal, kafkaJar, out, table, broken, leadTimes);
                charts.add(kafka.tell());
                charts.add(kafka.pollMetricsChart());
            }
            if (only == null || only == Story.Only.share) {
                new ShareStory(terminal, kafkaJar, out, table, broken).tell();
            }
            if (only == null || only == Story.Only.streams) {
                new StreamsStory(terminal, kafkaJar, out, table, broken, leadTimes).tell();
            }
            if (only == null || only == Story.Only.blast) {
                charts.add(new BlastStory(terminal, kafkaJar, out, table, broken).tell());
            }
            if (only == null || only == Story.Only.vthreads) {
                vthreads(terminal, table, broken).ifPresent(charts::add);
            }
            terminal.heading("All runs side by side (from their SUMMARY lines)");
            terminal.plain(table.toString());
            terminal.plain(leadTimes.table());
        }
        charts.forEach(c -> terminal.plain("chart: " + c.toAbsolutePath().normalize()));
        terminal.plain(String.format("walkthrough took %d s", (System.nanoTime() - start) / 1_000_000_000L));
        if (!broken.isEmpty()) {
            broken.forEach(b -> terminal.plain("NOT AS EXPECTED: " + b));
            return Cli.FAILED;
        }
        return 0;
    }
}
