package dev.starvation.http.server;

import dev.starvation.common.ChildProcess;
import dev.starvation.http.HttpDemo;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The {@code server} command as a real child process, so a test can send it SIGTERM and read its exit code. */
final class ServerProcess implements RunningServer {

    private static final Pattern LISTENING = Pattern.compile("SERVER listening on ([\\d.]+):(\\d+)");

    private final ChildProcess child;
    private final URI base;

    private ServerProcess(ChildProcess child, Duration startup) throws InterruptedException {
        this.child = child;
        Matcher m = LISTENING.matcher(child.awaitLine("SERVER listening", startup));
        if (!m.find()) {
            throw new IllegalStateException("no address in the SERVER line");
        }
        this.base = URI.create("http://" + m.group(1) + ":" + m.group(2));
    }

    /** Starts {@code http-demo server --port 0 --metrics-port 0 ARGS} with this test's class path. */
    static ServerProcess start(String... serverArgs) throws Exception {
        // A wait, not a promise: a second or two on a quiet machine; a JVM start can take tens of seconds on a busy one.
        return start(Duration.ofSeconds(60), serverArgs);
    }

    /** The same, waiting up to {@code startup} for the server to listen (a JVM start on a busy machine is slow). */
    static ServerProcess start(Duration startup, String... serverArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"),
                HttpDemo.class.getName(), "server", "--port", "0"));
        if (!List.of(serverArgs).contains("--metrics-port")) {
            // Not the default 9464: tests run beside others on one machine.
            args.addAll(List.of("--metrics-port", "0"));
        }
        args.addAll(List.of(serverArgs));
        return new ServerProcess(ChildProcess.startJava("server", args, line -> { }), startup);
    }

    String awaitLine(String text, Duration timeout) throws InterruptedException {
        return child.awaitLine(text, timeout);
    }

    void sigterm() {
        child.sigterm();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        return child.awaitExit(timeout);
    }

    @Override
    public URI base() {
        return base;
    }

    @Override
    public String log() {
        return String.join("\n", child.lines());
    }

    @Override
    public void close() throws InterruptedException {
        child.close();
    }
}
