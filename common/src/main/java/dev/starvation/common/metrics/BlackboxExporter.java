package dev.starvation.common.metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Prometheus's blackbox exporter (Debian's {@code prometheus-blackbox-exporter}) on a free 127.0.0.1 port, with one
 * module, {@code http_2xx}, that probes a URL the way the kubelet's liveness probe does: a GET on a new connection, a
 * 2xx within the timeout or it failed.
 */
public final class BlackboxExporter implements AutoCloseable {

    /** The module's name, as Prometheus's probe job passes it. */
    public static final String MODULE = "http_2xx";

    private final LocalTool tool;

    private BlackboxExporter(LocalTool tool) {
        this.tool = tool;
    }

    /** Whether the binary is installed. */
    public static boolean available() {
        return PrometheusTools.blackboxExporter().isPresent();
    }

    /**
     * Starts it with probes that give up after {@code timeout} (the kubelet's {@code timeoutSeconds}).
     *
     * @throws IllegalStateException if the binary is missing or it is not ready within 30 s, with what it logged
     */
    public static BlackboxExporter start(Duration timeout) throws IOException, InterruptedException {
        Path binary = PrometheusTools.blackboxExporter().orElseThrow(() -> new IllegalStateException(
                "blackbox exporter not found: " + PrometheusTools.ALERTING_HINT));
        String config = "modules:\n"
                + "  " + MODULE + ":\n"
                + "    prober: http\n"
                + "    timeout: " + timeout.toMillis() + "ms\n"
                + "    http:\n"
                + "      method: GET\n"
                + "      preferred_ip_protocol: ip4\n"
                + "      # The kubelet sends no keep-alive: a new connection per probe.\n"
                + "      headers:\n"
                + "        Connection: close\n";
        return new BlackboxExporter(LocalTool.start("blackbox", binary, "blackbox.yml", config, List.of(
                "--config.file={dir}/blackbox.yml",
                "--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn")));
    }

    /** {@code host:port}, the address a probe job sends its scrapes to. */
    public String address() {
        return tool.base().getAuthority();
    }

    /** What it logged so far. */
    public String log() {
        return tool.log();
    }

    @Override
    public void close() throws InterruptedException {
        tool.close();
    }
}
