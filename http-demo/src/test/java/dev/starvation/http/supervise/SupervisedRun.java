package dev.starvation.http.supervise;

import dev.starvation.common.Cli;
import dev.starvation.common.SummaryLine;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** {@code supervise ARGS} run in this JVM on a thread of its own; the child's echoed lines are kept for assertions. */
final class SupervisedRun implements AutoCloseable {

    private final Supervisor supervisor;
    private final List<String> childLines = new CopyOnWriteArrayList<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "supervise"));
    private final CompletableFuture<SummaryLine> result = new CompletableFuture<>();

    private SupervisedRun(String... args) {
        SuperviseCommand command = new SuperviseCommand();
        Cli.commandLine(command).parseArgs(args);
        this.supervisor = new Supervisor(command.config(), new PrintStream(new LineSink(childLines), true,
                StandardCharsets.UTF_8));
        thread.execute(() -> {
            try {
                result.complete(supervisor.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
    }

    static SupervisedRun start(String... args) {
        return new SupervisedRun(args);
    }

    /** Stops the run as SIGTERM would and returns its SUMMARY. */
    SummaryLine stop() throws Exception {
        supervisor.stop();
        return result.get(60, TimeUnit.SECONDS);
    }

    /** The run's SUMMARY once it ends by itself. */
    SummaryLine summary() throws Exception {
        return result.get(60, TimeUnit.SECONDS);
    }

    Supervisor supervisor() {
        return supervisor;
    }

    /** What the children printed, each line under {@code [pid]}. */
    List<String> childLines() {
        return List.copyOf(childLines);
    }

    @Override
    public void close() throws Exception {
        if (!result.isDone()) {
            stop();
        }
        thread.shutdownNow();
    }

    /** Splits what the supervisor echoes into lines. */
    private static final class LineSink extends OutputStream {
        private final List<String> lines;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        LineSink(List<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(current.toString(StandardCharsets.UTF_8));
                current.reset();
            } else {
                current.write(b);
            }
        }
    }
}
