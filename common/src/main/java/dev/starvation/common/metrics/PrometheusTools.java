package dev.starvation.common.metrics;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds Prometheus's own binaries: {@code prometheus} and {@code promtool} (Debian's prometheus package),
 * {@code prometheus-alertmanager} and {@code prometheus-blackbox-exporter} (the packages of those names).
 */
public final class PrometheusTools {

    /** What to tell a user who does not have them. */
    public static final String INSTALL_HINT = "install Debian's prometheus package (apt-get install -y prometheus;"
            + " .ci/run does) or put prometheus and promtool on the PATH";

    /** What to tell a user who has Prometheus but not Alertmanager or the blackbox exporter. */
    public static final String ALERTING_HINT = "install Debian's prometheus-alertmanager and prometheus-blackbox-exporter"
            + " packages (apt-get install -y prometheus-alertmanager prometheus-blackbox-exporter; .ci/run does)";

    private PrometheusTools() {
    }

    /** The {@code prometheus} server binary, if installed. */
    public static Optional<Path> prometheus() {
        return find("prometheus");
    }

    /** The {@code promtool} binary, if installed. */
    public static Optional<Path> promtool() {
        return find("promtool");
    }

    /** Alertmanager, as Debian names its binary, if installed. */
    public static Optional<Path> alertmanager() {
        return find("prometheus-alertmanager").or(() -> find("alertmanager"));
    }

    /** The blackbox exporter, as Debian names its binary, if installed. */
    public static Optional<Path> blackboxExporter() {
        return find("prometheus-blackbox-exporter").or(() -> find("blackbox_exporter"));
    }

    private static Optional<Path> find(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
