package dev.starvation.vthreads.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code server}: embedded Tomcat, every request on a virtual thread, stopped by SIGTERM with a SUMMARY line. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Runs Tomcat with every request on a virtual thread: /health and /ready; /cpu?ms=N computes on"
            + " the request's virtual thread (the bug: it holds a carrier); /sleep?seconds=S blocks on it (fine: it"
            + " unmounts); /cpu_fixed?ms=N hands the work to a bounded pool of platform threads (the fix);"
            + " /cpu_yielding?ms=N computes calling Thread.yield() every 25 us (the advice that is no fix).",
            "N is 1..60000 ms, S is 0 < S <= 60. The carriers are jdk.virtualThreadScheduler.parallelism"
            + " (default: the cores); set it with java -Djdk.virtualThreadScheduler.parallelism=2 -jar ...",
            "SIGTERM stops it and prints the SUMMARY line."})
public final class ServerCommand implements Callable<Integer> {

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port to listen on, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = "--cpu-workers", description = "Platform threads for /cpu_fixed (default: cores = ${DEFAULT-VALUE}).")
    int cpuWorkers = Runtime.getRuntime().availableProcessors();

    @Option(names = "--queue", description = "/cpu_fixed requests that may wait for a worker; beyond it, 503 and"
            + " Retry-After at once (default: ${DEFAULT-VALUE}).")
    int queue = 4;

    @Option(names = "--stall-limit", description = "Log STALL when the carriers' heartbeat is later than this"
            + " (default: 200ms).")
    Duration stallLimit = Duration.ofMillis(200);

    /** The options as one checked record. */
    ServerConfig config() {
        return new ServerConfig(host, port, cpuWorkers, queue, stallLimit);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = config();
        CountDownLatch stop = new CountDownLatch(1);
        // A signal handler rather than a shutdown hook: the stop and its SUMMARY run on the main thread, which exits 0.
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), signal -> stop.countDown());
        }
        try (VthreadsServer server = new VthreadsServer(config)) {
            server.start();
            stop.await();
        }
        return 0;
    }
}
