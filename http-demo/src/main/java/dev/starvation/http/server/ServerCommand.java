package dev.starvation.http.server;

import dev.starvation.http.metrics.MetricsConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code server}: the Netty server with the bug and fix endpoints, stopped gracefully by SIGTERM. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = {"Runs the HTTP server: /health, /processing and /processing_busy (work on the event loop: the bug),",
            "/processing_fixed and /processing_busy_fixed (work on a bounded worker pool: the fix), /ready.",
            "GET ...?seconds=S with 0 < S <= --max-seconds (default 7); &fault=throw or &fault=stuck (ignores",
            "interrupts) tries the failure paths. SIGTERM stops it gracefully."})
public final class ServerCommand implements Callable<Integer> {

    private static final ServerConfig DEFAULTS = ServerConfig.defaults();

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = DEFAULTS.host();

    @Option(names = "--port", description = "Port to listen on, 0 for any free port (default: ${DEFAULT-VALUE}).")
    int port = DEFAULTS.port();

    @Option(names = "--event-loops", description = "Event loop threads doing accept and I/O (default: ${DEFAULT-VALUE}).")
    int eventLoops = DEFAULTS.eventLoops();

    @Option(names = "--workers", description = "Worker threads for the fixed endpoints (default: cores = ${DEFAULT-VALUE}).")
    int workers = DEFAULTS.workers();

    @Option(names = "--queue", description = "Requests that may wait for a worker; beyond it, 503 at once (default: ${DEFAULT-VALUE}).")
    int queue = DEFAULTS.queue();

    @Option(names = "--max-seconds", description = "Largest seconds= a request may ask for (default: ${DEFAULT-VALUE}).")
    double maxSeconds = DEFAULTS.maxSeconds();

    @Option(names = "--stall-limit", description = "Log STALL when an event loop is blocked longer (default: 200ms).")
    Duration stallLimit = DEFAULTS.stallLimit();

    @Option(names = "--grace", description = "On SIGTERM, how long in-flight work may finish (default: 10s).")
    Duration grace = DEFAULTS.grace();

    @Option(names = "--idle-timeout", description = "Close a connection idle this long with no answer pending (default: 30s).")
    Duration idleTimeout = DEFAULTS.idleTimeout();

    @Option(names = "--max-header-bytes", description = "Largest request headers, else 431 (default: ${DEFAULT-VALUE}).")
    int maxHeaderBytes = DEFAULTS.maxHeaderBytes();

    @Option(names = "--max-body-bytes", description = "Largest request body, else 413 (default: ${DEFAULT-VALUE}).")
    int maxBodyBytes = DEFAULTS.maxBodyBytes();

    @Option(names = "--max-connections", description = "Open connections at most; beyond, 503 and close at once (default: ${DEFAULT-VALUE}).")
    int maxConnections = DEFAULTS.maxConnections();

    @Option(names = "--header-timeout", description = "A request must be complete this long after its first byte, else 408 (default: 10s).")
    Duration headerTimeout = DEFAULTS.headerTimeout();

    @Option(names = "--work-deadline", description = "Offloaded work running longer is interrupted and answered 504; work that"
            + " ignores it turns /health 503 (default: 90s).")
    Duration workDeadline = DEFAULTS.workDeadline();

    @Option(names = "--loop-deadline", description = "An event loop stalled longer is wedged: /health answers 503 naming"
            + " it, from whichever loop is free (default: 10s).")
    Duration loopDeadline = DEFAULTS.loopDeadline();

    @Option(names = "--max-waiting-bytes", description = "Bytes of pipelined requests that may wait behind pending"
            + " answers, over all connections; past it, connections stop reading until answered (default:"
            + " ${DEFAULT-VALUE}).")
    long maxWaitingBytes = DEFAULTS.maxWaitingBytes();

    @Option(names = "--metrics", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep Prometheus metrics and serve them on GET /metrics; --no-metrics for a bare benchmark"
                    + " (default: on).")
    boolean metrics = true;

    @Option(names = "--metrics-port", description = "Serve /metrics on this port too, from an event loop of its own"
            + " that keeps answering while the server's loops stall: scrape this one. 0 for any free port, -1 for none"
            + " (then /metrics is only on the server's port, through the loop that stalls) (default: "
            + MetricsConfig.DEFAULT_PORT + ").")
    Integer metricsPort;

    /** The metrics options, checked: the default port only where there are metrics to serve. */
    MetricsConfig metricsConfig() {
        int port = metricsPort != null ? metricsPort : metrics ? MetricsConfig.DEFAULT_PORT : -1;
        return new MetricsConfig(metrics, port);
    }

    /** The options as one checked record. */
    ServerConfig config() {
        return new ServerConfig(host, port, eventLoops, workers, queue, maxSeconds, stallLimit, grace, idleTimeout,
                maxHeaderBytes, maxBodyBytes, maxConnections, headerTimeout, workDeadline, loopDeadline, maxWaitingBytes);
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = config();
        CountDownLatch stop = new CountDownLatch(1);
        // A signal handler rather than a shutdown hook: the graceful stop runs on the main thread, which then exits 0.
        for (String name : List.of("TERM", "INT")) {
            Signal.handle(new Signal(name), signal -> stop.countDown());
        }
        MetricsConfig metricsConfig = metricsConfig();
        try (DemoServer server = new DemoServer(config, metricsConfig)) {
            try {
                server.start();
            } catch (IllegalStateException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
            }
            stop.await();
        }
        return 0;
    }
}
