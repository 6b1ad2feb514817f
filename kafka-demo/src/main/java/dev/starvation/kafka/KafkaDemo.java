package dev.starvation.kafka;

import dev.starvation.common.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The kafka-demo jar's entry point: {@code broker}, {@code produce} and {@code consume}. */
@Command(name = "kafka-demo", mixinStandardHelpOptions = true,
        description = "A Kafka consumer thrown out of its group by CPU work inside the poll loop, and the fixes.",
        subcommands = {BrokerCommand.class, ProduceCommand.class, ConsumeCommand.class})
public final class KafkaDemo implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs a subcommand and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a subcommand in this JVM and returns its exit code (what tests call). */
    public static int run(String... args) {
        return Cli.commandLine(new KafkaDemo()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: broker, produce or consume");
    }
}
