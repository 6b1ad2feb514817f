package dev.starvation.http.metrics;

/**
 * Whether the server keeps metrics ({@code --no-metrics} turns them off, for a benchmark of the bare server) and the
 * port of its own that serves them ({@code --metrics-port}; -1 for none, 0 for any free port).
 */
public record MetricsConfig(boolean enabled, int port) {

    /**
     * The port {@code server} serves metrics on without {@code --metrics-port}: the Prometheus exporters' usual 9464,
     * so that a scrape keeps answering during a stall without any option.
     */
    public static final int DEFAULT_PORT = 9464;

    /** Metrics on, served on the server's own port only (what tests and embedders get from {@code DemoServer}). */
    public static final MetricsConfig DEFAULT = new MetricsConfig(true, -1);

    /** Checks the port and names the option if it is out of range. */
    public MetricsConfig {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("--metrics-port must be 0..65535, got " + port);
        }
        if (!enabled && port >= 0) {
            throw new IllegalArgumentException("--metrics-port needs metrics: drop --no-metrics or --metrics-port");
        }
    }
}
