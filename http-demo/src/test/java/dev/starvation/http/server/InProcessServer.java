package dev.starvation.http.server;

import dev.starvation.common.Cli;
import dev.starvation.common.LogCapture;
import dev.starvation.http.metrics.MetricsConfig;
import dev.starvation.http.probe.HttpGetOnce;
import java.net.URI;
import java.time.Duration;


/** The server in this JVM on a free loopback port, configured with the {@code server} command's own options. */
final class InProcessServer implements RunningServer {

    private final DemoServer server;
    private final LogCapture log;
    private final URI base;

    private InProcessServer(ServerConfig config, MetricsConfig metrics) throws InterruptedException {
        this.log = LogCapture.start();
        this.server = new DemoServer(config, metrics);
        this.base = URI.create("http://127.0.0.1:" + server.start());
        warmUp(config.eventLoops());
    }

    /**
     * A cold JVM loads the HTTP classes on the event loop during its first requests, a stall of its own that a
     * startup probe would cover; tests start once that is over. The warm-up opens a multiple of the loop count, so
     * the next connection is dealt to loop 1 again, as on a fresh server.
     */
    private void warmUp(int eventLoops) {
        String[] paths = {"/health", "/processing_fixed?seconds=0", "/health"};
        for (int i = 0; i < paths.length * eventLoops; i++) {
            HttpGetOnce.get(base.resolve(paths[i % paths.length]), Duration.ofSeconds(5));
        }
    }

    /** Starts a server as {@code server ARGS} would, on port 0, and its metrics port (if any) on a free one too. */
    static InProcessServer start(String... serverArgs) throws InterruptedException {
        ServerCommand command = new ServerCommand();
        Cli.commandLine(command).parseArgs(serverArgs);
        MetricsConfig metrics = command.metricsConfig();
        return new InProcessServer(command.config().withPort(0),
                metrics.port() > 0 ? new MetricsConfig(metrics.enabled(), 0) : metrics);
    }

    DemoServer server() {
        return server;
    }

    LogCapture capture() {
        return log;
    }

    @Override
    public URI base() {
        return base;
    }

    @Override
    public String log() {
        return String.join("\n", log.lines()) + "\n" + String.join("\n", log.stacksOf("STALL"));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            server.close();
        } finally {
            log.close();
        }
    }
}
