package dev.starvation.vthreads;

import dev.starvation.common.Cli;
import dev.starvation.vthreads.server.ServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The vthreads-demo's entry point: {@code server}, embedded Tomcat with every request on a virtual thread. */
@Command(name = "vthreads-demo", mixinStandardHelpOptions = true, version = "vthreads-demo 1.0",
        subcommands = ServerCommand.class,
        description = "Embedded Tomcat 11 on virtual threads (Java 21+), as Spring Boot runs it with"
                + " spring.threads.virtual.enabled: blocking requests are fine, CPU-bound ones starve /health.")
public final class VthreadsDemo implements Runnable {

    public static void main(String[] args) {
        System.exit(Cli.run(new VthreadsDemo(), args));
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: server");
    }
}
