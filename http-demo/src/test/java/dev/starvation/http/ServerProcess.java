package dev.starvation.http;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code server} command as a real child process, so a test can send it SIGTERM and read its exit code. */
final class ServerProcess implements RunningServer {

    private static final Pattern LISTENING = Pattern.compile("SERVER listening on ([\\d.]+):(\\d+)");

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final URI base;

    private ServerProcess(Process process) throws Exception {
        this.process = process;
        Thread reader = new Thread(this::pump, "server-output");
        reader.setDaemon(true);
        reader.start();
        Matcher m = LISTENING.matcher(awaitLine("SERVER listening", Duration.ofSeconds(20)));
        if (!m.find()) {
            throw new IllegalStateException("no address in the SERVER line");
        }
        this.base = URI.create("http://" + m.group(1) + ":" + m.group(2));
    }

    /** Starts {@code http-demo server --port 0 ARGS} with this test's class path. */
    static ServerProcess start(String... serverArgs) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HttpDemo.class.getName(), "server", "--port", "0"));
        command.addAll(List.of(serverArgs));
        return new ServerProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            synchronized (lines) {
                lines.add("(reader stopped: " + e + ")");
            }
        } catch (RuntimeException e) {
            synchronized (lines) {
                lines.add("(reader failed: " + e + ")");
            }
        }
    }

    /** Waits for a line containing {@code text} (bounded). */
    String awaitLine(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IllegalStateException("server never printed '" + text + "' ("
                            + (process.isAlive() ? "still running" : "exited with " + process.exitValue())
                            + "); it printed:\n" + log());
                }
                lines.wait(Math.min(left, 100));
            }
        }
    }

    /** Sends SIGTERM, as {@code kill} or Kubernetes does. */
    void sigterm() {
        // Through the handle: Process.destroy() would also close our end of its output, losing the shutdown lines.
        process.toHandle().destroy();
    }

    /** The exit code, once the process has ended within {@code timeout}; fails the test otherwise. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("server still running " + timeout.toMillis() + " ms after SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    @Override
    public URI base() {
        return base;
    }

    @Override
    public String log() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
}
