package dev.starvation.walkthrough;

import dev.starvation.common.SummaryLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** One demo command run as a child JVM: its lines are echoed under a tag and kept, so the walkthrough can wait on them. */
final class DemoProcess implements AutoCloseable {

    private final String tag;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private DemoProcess(String tag, Process process, Terminal terminal) {
        this.tag = tag;
        this.process = process;
        this.reader = new Thread(() -> pump(terminal), "echo-" + tag);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code java -jar jar args…} with stderr merged into stdout. */
    static DemoProcess start(Terminal terminal, String tag, Path jar, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-jar", jar.toString()));
        command.addAll(args);
        terminal.note("$ java -jar " + jar.getFileName() + " " + String.join(" ", args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new DemoProcess(tag, p, terminal);
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void pump(Terminal terminal) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            boolean inOtherFrames = false;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
                // A stall's stack is mostly Netty and JDK frames: show ours, which name the code that blocks.
                boolean frame = line.startsWith("\tat ") || line.startsWith("    at ");
                if (frame && !line.contains("dev.starvation")) {
                    if (!inOtherFrames) {
                        terminal.line(tag, "\t...");
                    }
                    inOtherFrames = true;
                    continue;
                }
                inOtherFrames = false;
                terminal.line(tag, line);
            }
        } catch (IOException e) {
            terminal.line(tag, "(output closed: " + e.getMessage() + ")");
        } finally {
            synchronized (lines) {
                lines.notifyAll();
            }
        }
    }

    /** Waits until a line contains {@code text}; fails with the tail of the output if the process ends first. */
    String awaitLine(String text, Duration timeout) throws InterruptedException {
        return awaitLine(l -> l.contains(text), text, timeout);
    }

    /** Waits until {@code count} lines contain {@code text}. */
    void awaitLines(String text, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (lines.stream().filter(l -> l.contains(text)).count() < count) {
                waitOrFail(text, deadline);
            }
        }
    }

    private String awaitLine(Predicate<String> match, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (match.test(l)) {
                        return l;
                    }
                }
                waitOrFail(what, deadline);
            }
        }
    }

    private void waitOrFail(String what, long deadline) throws InterruptedException {
        long left = deadline - System.nanoTime();
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
            throw new IllegalStateException("[" + tag + "] never printed '" + what + "'"
                    + (process.isAlive() ? " in time" : ", it exited with " + process.exitValue())
                    + "; last lines:\n  " + String.join("\n  ", tail(15)));
        }
        lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
    }

    private List<String> tail(int n) {
        synchronized (lines) {
            return new ArrayList<>(lines.subList(Math.max(0, lines.size() - n), lines.size()));
        }
    }

    /** Waits for the process to end by itself and for its last line to be read. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("[" + tag + "] still running after " + timeout.toSeconds() + " s");
        }
        reader.join(5_000);
        return process.exitValue();
    }

    /** The run's SUMMARY line. */
    SummaryLine summary() throws InterruptedException {
        return SummaryLine.parse(awaitLine(SummaryLine.PREFIX + " ", Duration.ofSeconds(15)));
    }

    /** Every line so far. */
    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Asks the process to stop as SIGTERM does, then waits for it, forcing it only if it hangs. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            // Through the handle: Process.destroy() would also close its output, and its shutdown lines would be lost.
            process.toHandle().destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        reader.join(5_000);
    }
}
