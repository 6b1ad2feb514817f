package dev.starvation.vthreads;

import dev.starvation.common.ChildProcess;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code server} command as a child JVM on a scheduler of exactly two carriers, so what the tests see does not
 * depend on the runner's cores. It runs on this test's JDK (the toolchain's, 21+) with this test's class path.
 */
final class VthreadsServerProcess implements AutoCloseable {

    /** The carriers every test server gets: as many as the CPU requests the tests send. */
    static final int CARRIERS = 2;

    private static final Pattern LISTENING = Pattern.compile("SERVER listening on http://([\\d.]+):(\\d+)");

    private final ChildProcess child;
    private final URI base;

    private VthreadsServerProcess(ChildProcess child) throws InterruptedException {
        this.child = child;
        Matcher m = LISTENING.matcher(child.awaitLine("SERVER listening", Duration.ofSeconds(60)));
        if (!m.find()) {
            throw new IllegalStateException("no address in the SERVER line");
        }
        this.base = URI.create("http://" + m.group(1) + ":" + m.group(2));
    }

    /** Starts {@code vthreads-demo server --port 0 ARGS} with {@link #CARRIERS} carriers. */
    static VthreadsServerProcess start(String... serverArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("-XX:TieredStopAtLevel=1", "-Djdk.virtualThreadScheduler.parallelism=" + CARRIERS,
                "-cp", System.getProperty("java.class.path"), VthreadsDemo.class.getName(), "server", "--port", "0"));
        args.addAll(List.of(serverArgs));
        return new VthreadsServerProcess(ChildProcess.startJava("vthreads-server", args, line -> { }));
    }

    URI uri(String pathAndQuery) {
        return base.resolve(pathAndQuery);
    }

    /** The number of lines printed so far: a mark, so a test reads only the lines of its own scenario. */
    int mark() {
        return child.lines().size();
    }

    /** The lines printed since {@code mark}. */
    List<String> linesSince(int mark) {
        List<String> all = child.lines();
        return all.subList(Math.min(mark, all.size()), all.size());
    }

    void awaitLines(String text, int count, Duration timeout) throws InterruptedException {
        child.awaitLines(text, count, timeout);
    }

    long count(String text) {
        return child.lines().stream().filter(l -> l.contains(text)).count();
    }

    void sigterm() {
        child.sigterm();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        return child.awaitExit(timeout);
    }

    List<String> lines() {
        return child.lines();
    }

    @Override
    public void close() throws InterruptedException {
        child.close();
    }
}
