package dev.starvation.common.metrics;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds Prometheus's own binaries, {@code prometheus} and {@code promtool}, which Debian's prometheus package installs. */
public final class PrometheusTools {

    /** What to tell a user who does not have them. */
    public static final String INSTALL_HINT = "install Debian's prometheus package (apt-get install -y prometheus;"
            + " .ci/run does) or put prometheus and promtool on the PATH";

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
