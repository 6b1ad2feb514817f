package dev.starvation.common.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs Prometheus's {@code promtool} for tests: rule checks, rule unit tests and the metrics linter. */
public final class Promtool {

    /** What one run printed (stdout and stderr together) and its exit code. */
    public record Result(int exit, String output) {
    }

    private Promtool() {
    }

    /** Skips the calling test, saying why, where promtool is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(PrometheusTools.promtool().isPresent(),
                "promtool not found, test skipped: " + PrometheusTools.INSTALL_HINT);
    }

    /** {@code promtool ARGS} in {@code workDir}, with {@code stdin} (may be null) fed to it; at most 60 s. */
    public static Result run(Path workDir, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(PrometheusTools.promtool().orElseThrow().toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("promtool " + args[0] + " did not end within 60 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** {@code promtool check metrics} on a scrape: the lint problems it names, empty when it finds none. */
    public static Result checkMetrics(String scrape) throws IOException, InterruptedException {
        return run(Path.of("."), scrape, "check", "metrics");
    }
}
