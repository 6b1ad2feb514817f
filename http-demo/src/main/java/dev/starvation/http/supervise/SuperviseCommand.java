package dev.starvation.http.supervise;

import dev.starvation.http.probe.ProbeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/** {@code supervise}: a kubelet in a box, restarting a server its liveness probe gives up on. */
@Command(name = "supervise", mixinStandardHelpOptions = true,
        description = {"Starts the server command as a child process and probes it as the kubelet's liveness probe does",
            "(the probe options are those of 'probe'). On the restart verdict it stops the child (SIGTERM, then",
            "SIGKILL after --grace; whatever the child started and left running is killed too, as a container's",
            "teardown does) and starts it again after a CrashLoopBackOff delay: at once the first time, then",
            "--backoff, doubling with each restart up to --max-backoff, at once again after a run of --backoff-reset.",
            "A child that exits",
            "by itself is restarted the same way. --startup-timeout adds a startup probe. Logs SUPERVISE lines, the child's output under [pid], and one",
            "SUMMARY at the end (after --count probes or --duration, or on SIGTERM/Ctrl-C)."})
public final class SuperviseCommand implements Callable<Integer> {

    @Mixin
    ProbeOptions probe;

    @Option(names = "--startup-timeout", description = {"As a startup probe: after each start, liveness waits for the"
            + " first answer, restarting the child if none comes within this (default: 0s, no startup probe)."})
    Duration startupTimeout = Duration.ZERO;

    @Option(names = "--grace", description = "After SIGTERM, how long the child may take to exit before SIGKILL (default: 5s).")
    Duration grace = Duration.ofSeconds(5);

    @Option(names = "--backoff", description = "Wait before the second restart (the first is at once, as the kubelet's);"
            + " doubles with each one (default: 10s).")
    Duration backoff = Duration.ofSeconds(10);

    @Option(names = "--max-backoff", description = "The longest wait between restarts (default: 5m).")
    Duration maxBackoff = Duration.ofMinutes(5);

    @Option(names = "--backoff-reset", description = "A child that ran this long restarts at once again (default: 10m).")
    Duration backoffReset = Duration.ofMinutes(10);

    @Parameters(paramLabel = "-- COMMAND", arity = "0..*",
            description = "The server command and its arguments, after --, e.g. -- java -jar http-demo.jar server.")
    List<String> command = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The options as one checked record. */
    SuperviseConfig config() {
        return new SuperviseConfig(command, probe.config(), startupTimeout, grace, backoff, maxBackoff, backoffReset);
    }

    @Override
    public Integer call() throws Exception {
        if (command.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no server command: give it after --, e.g."
                    + " supervise --url http://127.0.0.1:8080/health --count 30 -- java -jar http-demo.jar server");
        }
        Supervisor supervisor = new Supervisor(config());
        // A handler, not a shutdown hook: the child is stopped gracefully and the SUMMARY printed on the main thread.
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), signal -> supervisor.stop());
        }
        supervisor.run();
        return 0;
    }
}
