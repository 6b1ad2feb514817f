package dev.starvation.http;

import dev.starvation.common.Cli;
import dev.starvation.http.load.LoadCommand;
import dev.starvation.http.probe.ProbeCommand;
import dev.starvation.http.server.ServerCommand;
import dev.starvation.http.supervise.SuperviseCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The http-demo's one entry point: {@code server}, {@code probe}, {@code load} and {@code supervise}. */
@Command(name = "http-demo", mixinStandardHelpOptions = true, version = "http-demo 1.0",
        subcommands = {ServerCommand.class, ProbeCommand.class, LoadCommand.class, SuperviseCommand.class},
        description = "A single-loop Netty server that starves its own liveness probe, the fixes, and a"
                + " Kubernetes-faithful probe and supervisor.")
public final class HttpDemo implements Runnable {

    public static void main(String[] args) {
        System.exit(Cli.run(new HttpDemo(), args));
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "choose a subcommand: server, probe, load or supervise");
    }
}
