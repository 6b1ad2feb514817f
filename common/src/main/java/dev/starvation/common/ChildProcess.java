package dev.starvation.common;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A demo command run as a child JVM, its output read line by line and kept, so a caller can wait for a line, stop it
 * with SIGTERM and read its exit code. The walkthrough and the SIGTERM tests both drive the demos this way.
 */
public final class ChildProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final int keepLines;
    private final Thread reader;
    /** Every descendant seen so far: once the child has ended they are no longer its descendants, but still ours. */
    private final Set<ProcessHandle> tree = ConcurrentHashMap.newKeySet();

    /**
     * How a {@link #stop} ended: the exit code, whether SIGKILL was needed, and how many processes the child left
     * behind that were killed with it.
     */
    public record Stopped(int exitCode, boolean killed, int leftovers) {
    }

    private ChildProcess(String name, Process process, Consumer<String> echo, int keepLines) {
        this.name = name;
        this.process = process;
        this.keepLines = keepLines;
        this.reader = new Thread(() -> pump(echo), "output-" + name);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code java JVM_AND_PROGRAM_ARGS} with the running JVM's java, stderr merged into stdout. */
    public static ChildProcess startJava(String name, List<String> args, Consumer<String> echo) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        return new ChildProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start(), echo,
                Integer.MAX_VALUE);
    }

    /**
     * Starts any {@code command} (program first), stderr merged into stdout, keeping only its last {@code keepLines}
     * lines for {@link #lines()} and the waits, so a long-running child costs bounded memory.
     *
     * @throws IOException naming the program when it cannot be started (not found, not executable)
     */
    public static ChildProcess start(String name, List<String> command, Consumer<String> echo, int keepLines)
            throws IOException {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command to start");
        }
        if (keepLines < 1) {
            throw new IllegalArgumentException("keepLines must be at least 1, got " + keepLines);
        }
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot start '" + command.get(0) + "': " + e.getMessage(), e);
        }
        return new ChildProcess(name, process, echo, keepLines);
    }

    private void pump(Consumer<String> echo) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    if (lines.size() > keepLines) {
                        lines.remove(0);
                    }
                    lines.notifyAll();
                }
                echo.accept(line);
            }
        } catch (IOException e) {
            echo.accept("(output of " + name + " closed: " + e.getMessage() + ")");
        } finally {
            synchronized (lines) {
                lines.notifyAll();
            }
        }
    }

    /** Waits until a line contains {@code text} and returns it; fails naming the process's last lines otherwise. */
    public String awaitLine(String text, Duration timeout) throws InterruptedException {
        awaitLines(text, 1, timeout);
        synchronized (lines) {
            return lines.stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
        }
    }

    /** Waits until {@code count} lines contain {@code text}. */
    public void awaitLines(String text, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (lines.stream().filter(l -> l.contains(text)).count() < count) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new IllegalStateException("[" + name + "] never printed '" + text + "'"
                            + (process.isAlive() ? " in time" : ", it exited with " + process.exitValue())
                            + "; last lines:\n  " + String.join("\n  ", tail(15)));
                }
                lines.wait(Math.max(1, Math.min(left, 200)));
            }
        }
    }

    private List<String> tail(int n) {
        return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /** Every line so far. */
    public List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** The operating system's id of the process. */
    public long pid() {
        return process.pid();
    }

    /** True until the process has ended. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code of a process that has ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** Closes the process's stdin: a child that reads it sees the end of its input. */
    public void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    /**
     * Notes the processes the child has started so far, so that {@link #killLeftovers()} finds them even after the
     * child has ended (a wrapper shell that died and left its server running). Call it now and then while it runs.
     */
    public void rememberTree() {
        if (process.isAlive()) {
            process.descendants().forEach(tree::add);
        }
    }

    /**
     * SIGKILL to every process the child started that still runs, as a container's teardown kills whatever is left
     * once its main process has ended; the number killed.
     */
    public int killLeftovers() {
        int killed = 0;
        for (ProcessHandle p : tree) {
            if (p.isAlive() && p.destroyForcibly()) {
                killed++;
            }
        }
        tree.clear();
        return killed;
    }

    /**
     * Stops the process as the kubelet stops a container: SIGTERM, up to {@code grace} to end by itself, then SIGKILL;
     * either way every process it started and left running is killed with it. Returns at once if it has already
     * ended. An interrupt (a second Ctrl-C) does not cut it short: it is kept for the caller once the stop is done.
     */
    public Stopped stop(Duration grace) throws InterruptedException {
        boolean killed = false;
        boolean interrupted = false;
        rememberTree();
        if (process.isAlive()) {
            sigterm();
            long deadline = System.nanoTime() + grace.toNanos();
            while (process.isAlive() && deadline - System.nanoTime() > 0) {
                try {
                    process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (process.isAlive()) {
                killed = true;
                rememberTree();
                process.toHandle().destroyForcibly();
            }
            while (process.isAlive()) {
                try {
                    process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        int leftovers = killLeftovers();
        try {
            reader.join(5_000);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return new Stopped(process.exitValue(), killed, leftovers);
    }

    /** Sends SIGTERM, as {@code kill} or Kubernetes does, keeping the output open for the shutdown lines. */
    public void sigterm() {
        // Through the handle: Process.destroy() would also close our end of its output, losing the shutdown lines.
        process.toHandle().destroy();
    }

    /** Waits for the process to end by itself and for its last line to be read; fails if it does not in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("[" + name + "] still running after " + timeout.toMillis() + " ms; last lines:\n  "
                    + String.join("\n  ", lines().subList(Math.max(0, lines().size() - 15), lines().size())));
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** SIGTERM, a wait for a graceful end, and SIGKILL only if it hangs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            sigterm();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        reader.join(5_000);
    }
}
