package dev.starvation.common.metrics;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Alertmanager (Debian's {@code prometheus-alertmanager}) on a free 127.0.0.1 port, clustering off, routing every
 * alert to one webhook: what a test needs to prove an alert is delivered, grouped, and resolved.
 */
public final class AlertmanagerServer implements AutoCloseable {

    private final LocalTool tool;

    private AlertmanagerServer(LocalTool tool) {
        this.tool = tool;
    }

    /** Whether the binary is installed. */
    public static boolean available() {
        return PrometheusTools.alertmanager().isPresent();
    }

    /**
     * Starts it, grouping alerts by {@code alertname} and {@code job} and posting each group to {@code webhook}
     * (resolved ones too), after {@code groupWait}; changes to a group are sent {@code groupInterval} apart.
     *
     * @throws IllegalStateException if the binary is missing or it is not ready within 30 s, with what it logged
     */
    public static AlertmanagerServer start(URI webhook, Duration groupWait, Duration groupInterval)
            throws IOException, InterruptedException {
        Path binary = PrometheusTools.alertmanager().orElseThrow(() -> new IllegalStateException(
                "alertmanager not found: " + PrometheusTools.ALERTING_HINT));
        String config = "route:\n"
                + "  receiver: webhook\n"
                + "  group_by: [alertname, job]\n"
                + "  group_wait: " + groupWait.toMillis() + "ms\n"
                + "  group_interval: " + groupInterval.toMillis() + "ms\n"
                + "  repeat_interval: 1h\n"
                + "receivers:\n"
                + "  - name: webhook\n"
                + "    webhook_configs:\n"
                + "      - url: '" + webhook + "'\n"
                + "        send_resolved: true\n";
        return new AlertmanagerServer(LocalTool.start("alertmanager", binary, "alertmanager.yml", config, List.of(
                "--config.file={dir}/alertmanager.yml",
                "--storage.path={dir}/data",
                "--web.listen-address=127.0.0.1:{port}",
                // A single instance: no gossip port on every interface.
                "--cluster.listen-address=",
                "--log.level=warn")));
    }

    /** {@code host:port}, as Prometheus's {@code alerting} section wants it. */
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
