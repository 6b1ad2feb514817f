package dev.starvation.kafka;

import dev.starvation.common.Cli;
import dev.starvation.kafka.broker.BrokerCommand;
import dev.starvation.kafka.consume.ConsumeCommand;
import dev.starvation.kafka.produce.ProduceCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The kafka-demo jar's entry point: {@code broker}, {@code produce} and {@code consume}. */
@Command(name = "kafka-demo", mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "A Kafka consumer thrown out of its group by CPU work inside the poll loop, and the fixes.",
        subcommands = {BrokerCommand.class, ProduceCommand.class, ConsumeCommand.class,
            dev.starvation.kafka.streams.StreamsCommand.class, dev.starvation.kafka.blast.BlastCommand.class})
public final class KafkaDemo implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs a subcommand and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a subcommand in this JVM and returns its exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** Runs a subcommand in this JVM with its messages and errors going to {@code out} and {@code err} (for tests). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    private static CommandLine commandLine() {
        return Cli.commandLine(new KafkaDemo());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: broker, produce or consume");
    }
}
