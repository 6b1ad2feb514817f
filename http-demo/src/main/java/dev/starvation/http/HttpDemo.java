package dev.starvation.http;

import dev.starvation.common.Cli;
import dev.starvation.http.load.LoadCommand;
import dev.starvation.http.probe.ProbeCommand;
import dev.starvation.http.server.ServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The http-demo's one entry point: {@code server}, {@code probe} and {@code load}. */
@Command(name = "http-demo", mixinStandardHelpOptions = true, version = "http-demo 1.0",
        subcommands = {ServerCommand.class, ProbeCommand.class, LoadCommand.class},
        description = "A single-loop Netty server that starves its own liveness probe, the fixes, and a"
                + " Kubernetes-faithful probe.")
public final class HttpDemo implements Runnable {

    public static void main(String[] args) {
        System.exit(Cli.run(new HttpDemo(), args));
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a subcommand: server, probe or load");
    }
}
