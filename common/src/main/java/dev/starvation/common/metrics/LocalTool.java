package dev.starvation.common.metrics;

import dev.starvation.common.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One of Prometheus's own binaries (the server, Alertmanager, the blackbox exporter) run for a test or the walkthrough:
 * listening on a free 127.0.0.1 port, its files in a temporary directory, ready once {@code /-/ready} answers 200,
 * stopped and cleaned up by {@link #close()}.
 */
final class LocalTool implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Path dir;
    private final Process process;
    private final URI base;

    private LocalTool(String name, Path dir, Process process, URI base) {
        this.name = name;
        this.dir = dir;
        this.process = process;
        this.base = base;
    }

    /**
     * Writes {@code configFile} with {@code config} into a new temporary directory, starts {@code binary} with
     * {@code args} ({@code {dir}} and {@code {port}} replaced) and waits until it is ready.
     *
     * @throws IllegalStateException if it exits or is not ready within 30 s, with what it logged
     */
    static LocalTool start(String name, Path binary, String configFile, String config, List<String> args)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(name + "-");
        Files.writeString(dir.resolve(configFile), config);
        int port = LoopbackPorts.free();
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        args.forEach(a -> command.add(a.replace("{dir}", dir.toString()).replace("{port}", String.valueOf(port))));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        LocalTool tool = new LocalTool(name, dir, process, URI.create("http://127.0.0.1:" + port));
        try {
            tool.awaitReady(Duration.ofSeconds(30));
        } catch (RuntimeException | IOException | InterruptedException e) {
            tool.close();
            throw e;
        }
        return tool;
    }

    private void awaitReady(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ": " + log());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(base.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " not ready within " + limit.toSeconds() + " s: " + log());
    }

    /** Its directory: the configuration file is there. */
    Path dir() {
        return dir;
    }

    /** Where it answers, e.g. {@code http://127.0.0.1:41234}. */
    URI base() {
        return base;
    }

    /** What it logged so far. */
    String log() {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops it and deletes its directory. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is no reason to fail a run.
        }
    }
}
