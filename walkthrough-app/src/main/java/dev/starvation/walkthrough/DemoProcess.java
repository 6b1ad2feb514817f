package dev.starvation.walkthrough;

import dev.starvation.common.ChildProcess;
import dev.starvation.common.SummaryLine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** One demo command of the walkthrough: a child JVM whose lines are echoed under a tag, stack traces trimmed. */
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
        return new DemoProcess(ChildProcess.startJava(tag, javaArgs, new StackTrimmer(terminal, tag)));
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

    /** The run's SUMMARY line. */
    SummaryLine summary() throws InterruptedException {
        return SummaryLine.parse(child.awaitLine(SummaryLine.PREFIX + " ", Duration.ofSeconds(15)));
    }

    List<String> lines() {
        return child.lines();
    }

    @Override
    public void close() throws InterruptedException {
        child.close();
    }
}
