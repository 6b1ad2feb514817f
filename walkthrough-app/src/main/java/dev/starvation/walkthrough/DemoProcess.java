package dev.starvation.walkthrough;

import dev.starvation.common.ChildProcess;
import dev.starvation.common.SummaryLine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One demo command of the walkthrough: a child JVM whose lines are echoed under a tag, stack traces trimmed. Lines that
 * {@code supervise} passes on from its own child ({@code [pid] …}) are echoed under {@code [server pid]}.
 */
final class DemoProcess implements AutoCloseable {

    private final ChildProcess child;

    private DemoProcess(ChildProcess child) {
        this.child = child;
    }

    /** Starts {@code java -jar jar args…} and echoes its lines under {@code tag}. */
    static DemoProcess start(Terminal terminal, String tag, Path jar, List<String> args) throws IOException {
        List<String> javaArgs = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
        javaArgs.addAll(args);
        terminal.note("$ java -jar " + jar.getFileName() + " " + String.join(" ", args));
        return new DemoProcess(ChildProcess.startJava(tag, javaArgs, new ChildLines(terminal, tag)));
    }

    /** Sends each line to the trimmer of the process that printed it: this one, or a server it supervises. */
    private static final class ChildLines implements Consumer<String> {
        private static final Pattern SUPERVISED = Pattern.compile("^\\[(\\d+)] (.*)$", Pattern.DOTALL);
        private final Terminal terminal;
        private final StackTrimmer own;
        private final Map<String, StackTrimmer> supervised = new HashMap<>();

        ChildLines(Terminal terminal, String tag) {
            this.terminal = terminal;
            this.own = new StackTrimmer(terminal, tag);
        }

        @Override
        public void accept(String line) {
            Matcher m = SUPERVISED.matcher(line);
            if (!m.matches()) {
                own.accept(line);
                return;
            }
            supervised.computeIfAbsent(m.group(1), pid -> new StackTrimmer(terminal, "server " + pid))
                    .accept(m.group(2));
        }
    }

    /** Shows a stall's stack by the frames of this project, which name the code that blocks, and elides the rest. */
    private static final class StackTrimmer implements Consumer<String> {
        private final Terminal terminal;
        private final String tag;
        private boolean inOtherFrames;

        StackTrimmer(Terminal terminal, String tag) {
            this.terminal = terminal;
            this.tag = tag;
        }

        @Override
        public void accept(String line) {
            boolean frame = line.startsWith("\tat ") || line.startsWith("    at ");
            if (frame && !line.contains("dev.starvation")) {
                if (!inOtherFrames) {
                    terminal.line(tag, "\t...");
                }
                inOtherFrames = true;
                return;
            }
            inOtherFrames = false;
            terminal.line(tag, line);
        }
    }

    String awaitLine(String text, Duration timeout) throws InterruptedException {
        return child.awaitLine(text, timeout);
    }

    void awaitLines(String text, int count, Duration timeout) throws InterruptedException {
        child.awaitLines(text, count, timeout);
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        return child.awaitExit(timeout);
    }

    /** The run's SUMMARY line: its own, not one passed on from a server it supervises. */
    SummaryLine summary() throws InterruptedException {
        child.awaitLine(SummaryLine.PREFIX + " ", Duration.ofSeconds(15));
        List<String> own = child.lines().stream()
                .filter(l -> l.contains(SummaryLine.PREFIX + " ") && !l.startsWith("[")).toList();
        if (own.isEmpty()) {
            throw new IllegalStateException("no SUMMARY of its own in " + child.lines());
        }
        return SummaryLine.parse(own.get(own.size() - 1));
    }

    /** How many lines so far contain {@code text}. */
    long count(String text) {
        return child.lines().stream().filter(l -> l.contains(text)).count();
    }

    /** Stops it as Ctrl-C or Kubernetes would: SIGTERM, then it ends by itself. */
    void sigterm() {
        child.sigterm();
    }

    List<String> lines() {
        return child.lines();
    }

    @Override
    public void close() throws InterruptedException {
        child.close();
    }
}
