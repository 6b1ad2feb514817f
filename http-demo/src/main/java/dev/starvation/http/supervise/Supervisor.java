package dev.starvation.http.supervise;

import dev.starvation.common.ChildProcess;
import dev.starvation.common.Durations;
import dev.starvation.common.SummaryLine;
import dev.starvation.http.probe.HttpGetOnce;
import dev.starvation.http.probe.LivenessProbe;
import dev.starvation.http.probe.ProbeConfig;
import dev.starvation.http.probe.ProbeTicker;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kubelet's part of the story, for one container: start the server, probe it, and on the restart verdict (or when
 * it exits) stop it, wait the CrashLoopBackOff delay and start it again. What was in flight in the old process is lost.
 */
public final class Supervisor {

    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    /** Output of the child kept for an error message; the rest is only echoed. */
    private static final int KEEP_LINES = 30;

    private final SuperviseConfig config;
    private final ProbeConfig probeConfig;
    private final LivenessProbe probe;
    private final CrashLoopBackOff backOff;
    private final StartupProbe startup;
    private final PrintStream out;
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong sigkills = new AtomicLong();
    private final AtomicLong exits = new AtomicLong();
    private final AtomicLong leftovers = new AtomicLong();
    private volatile boolean stopping;
    private volatile Thread runner;
    private ChildProcess child;
    private long startedAt;
    /** The first child has answered a probe: a later exit is a crash to restart, not a command that cannot run. */
    private boolean everAnswered;

    Supervisor(SuperviseConfig config) {
        this(config, System.out);
    }

    /** Echoes the child's lines, under {@code [pid]}, to {@code out}. */
    Supervisor(SuperviseConfig config, PrintStream out) {
        this.config = config;
        this.probeConfig = config.probe();
        this.probe = new LivenessProbe(probeConfig);
        this.backOff = new CrashLoopBackOff(config.backoff(), config.maxBackoff(), config.backoffReset());
        this.startup = new StartupProbe(probeConfig, config.startupTimeout());
        this.out = out;
    }

    /**
     * Runs until {@code --count} probes, {@code --duration} or {@link #stop()}, then stops the child and returns the
     * SUMMARY (also logged).
     *
     * @throws IllegalStateException if the command cannot be started, or its first run ends before it answered
     */
    public SummaryLine run() throws IOException, InterruptedException {
        runner = Thread.currentThread();
        long begin = System.nanoTime();
        long end = probeConfig.duration().isZero() ? Long.MAX_VALUE : begin + probeConfig.duration().toNanos();
        try {
            start();
            StartupProbe.Result started = awaitStartup();
            ProbeTicker ticker = new ProbeTicker(probeConfig.period(), livenessFrom(), end);
            while (!stopping && !probe.countReached()) {
                String why;
                if (started != StartupProbe.Result.UP) {
                    why = startupFailed(started);
                } else if (!ticker.awaitNext()) {
                    break;
                } else if (!child.isAlive()) {
                    why = exited();
                } else if (rememberTree() && liveness() == LivenessProbe.Step.RESTART) {
                    why = "after " + probeConfig.failureThreshold() + " failed probes";
                } else {
                    continue;
                }
                LOG.info("SUPERVISE restart #{} {}", restarts.get() + 1, why);
                if (!restart(end)) {
                    break;
                }
                started = awaitStartup();
                ticker.startAt(livenessFrom());
            }
        } catch (InterruptedException e) {
            if (!stopping) {
                throw e;
            }
        } finally {
            // Clear an interrupt from stop(): the child still gets its grace.
            Thread.interrupted();
            stopChild("the run is over");
        }
        SummaryLine summary = summary();
        LOG.info("{}", summary);
        return summary;
    }

    /** Notes what the child has started, so nothing it leaves behind outlives it; always true. */
    private boolean rememberTree() {
        child.rememberTree();
        return true;
    }

    private StartupProbe.Result awaitStartup() throws InterruptedException {
        StartupProbe.Result result = startup.await(child, startedAt, () -> stopping);
        everAnswered |= result == StartupProbe.Result.UP && !startup.timeout().isZero();
        return result;
    }

    private LivenessProbe.Step liveness() {
        LivenessProbe.Step step = probe.record(HttpGetOnce.get(probeConfig.url(), probeConfig.timeout()));
        everAnswered |= step == LivenessProbe.Step.OK;
        return step;
    }

    /** Why a new child is restarted before liveness began; throws if the very first one could not run at all. */
    private String startupFailed(StartupProbe.Result result) throws InterruptedException {
        if (result == StartupProbe.Result.EXITED) {
            return exited();
        }
        if (result == StartupProbe.Result.STOPPED) {
            throw new InterruptedException("stopped");
        }
        return "after no answer within the " + Durations.format(startup.timeout()) + " startup timeout";
    }

    /**
     * Ends the run from another thread (a signal handler): the child is stopped gracefully and the SUMMARY logged. A
     * second call (a second Ctrl-C) changes nothing: the child still gets its grace, then SIGKILL, then the SUMMARY.
     */
    public void stop() {
        if (stopping) {
            LOG.info("SUPERVISE already stopping: the child gets its {} grace, then SIGKILL", Durations.format(config.grace()));
            return;
        }
        stopping = true;
        Thread t = runner;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Liveness counts once the startup probe passed and {@code --initial-delay} since the start is over. */
    private long livenessFrom() {
        return Math.max(System.nanoTime(), startedAt + probeConfig.initialDelay().toNanos());
    }

    private void start() throws IOException {
        CompletableFuture<Long> pid = new CompletableFuture<>();
        // The child may print before start() returns its pid: its first lines wait for it.
        child = ChildProcess.start("server", config.command(), line -> out.println("[" + pid.join() + "] " + line),
                KEEP_LINES);
        pid.complete(child.pid());
        startedAt = System.nanoTime();
        LOG.info("SUPERVISE started pid={}: {}", child.pid(), String.join(" ", config.command()));
    }

    /** The child ended by itself: why it is restarted, or an error if the very first one never answered. */
    private String exited() throws InterruptedException {
        int code = child.awaitExit(Duration.ofSeconds(5));
        logLeftovers(child.killLeftovers());
        if (!everAnswered) {
            throw new IllegalStateException("the server command exited at once with code " + code + ", before it"
                    + " answered a probe on " + probeConfig.url() + ": " + String.join(" ", config.command())
                    + lastLines());
        }
        exits.incrementAndGet();
        return "after pid=" + child.pid() + " exited by itself with code " + code;
    }

    private String lastLines() {
        return child.lines().isEmpty() ? " (it printed nothing)"
                : "; its last lines:\n  " + String.join("\n  ", child.lines());
    }

    /** Stops the child, waits the backoff and starts a new one; false if the run ends first. */
    private boolean restart(long end) throws IOException, InterruptedException {
        restarts.incrementAndGet();
        Duration ranFor = Duration.ofNanos(System.nanoTime() - startedAt);
        stopChild("restart");
        Duration wait = backOff.next(ranFor);
        LOG.info("SUPERVISE backoff {} (CrashLoopBackOff)", Durations.format(wait));
        long left = end - System.nanoTime();
        if (left < wait.toNanos()) {
            Thread.sleep(Math.max(0, left / 1_000_000));
            return false;
        }
        Thread.sleep(wait.toMillis());
        if (stopping) {
            return false;
        }
        start();
        probe.restarted();
        return true;
    }

    private void stopChild(String why) throws InterruptedException {
        if (child == null) {
            return;
        }
        if (!child.isAlive()) {
            logLeftovers(child.killLeftovers());
            return;
        }
        LOG.info("SUPERVISE stopping pid={} ({}): SIGTERM, SIGKILL after {}", child.pid(), why,
                Durations.format(config.grace()));
        ChildProcess.Stopped stopped = child.stop(config.grace());
        if (stopped.killed()) {
            sigkills.incrementAndGet();
            LOG.info("SUPERVISE killed pid={}: still running after the {} grace, SIGKILL; what it had in flight is"
                    + " lost", child.pid(), Durations.format(config.grace()));
        } else {
            LOG.info("SUPERVISE stopped pid={} exit={}", child.pid(), stopped.exitCode());
        }
        logLeftovers(stopped.leftovers());
    }

    private void logLeftovers(int killed) {
        if (killed > 0) {
            leftovers.addAndGet(killed);
            LOG.info("SUPERVISE leftovers: killed {} process(es) that pid={} started and left running, as a"
                    + " container's teardown does", killed, child.pid());
        }
    }

    /** The counts so far: the probe's, and the restarts. */
    public SummaryLine summary() {
        SummaryLine p = probe.summary();
        return new SummaryLine()
                .add("probes", p.get("probes"))
                .add("ok", p.get("ok"))
                .add("failed", p.get("failed"))
                .add("max_consecutive_failures", p.get("max_consecutive_failures"))
                .add("restarts", restarts.get())
                .add("sigkills", sigkills.get())
                .add("exits", exits.get())
                .add("leftovers_killed", leftovers.get());
    }
}
