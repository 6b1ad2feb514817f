package dev.starvation.common;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches jobs on worker threads against a deadline: a {@code STALL} line with the worker's stack past a share of it,
 * an interrupt when it passes, and the jobs still running past it, which a liveness check reports. Offloading takes
 * work out of the loop's watchdog's view; this puts the work back in view. A job costs a start time and a place in a
 * set, checked on the watchdog's thread: no histogram and no heartbeat per job, so a server answering thousands of
 * requests a second does not make garbage for the watch.
 */
public final class JobWatch {

    private static final Logger LOG = LoggerFactory.getLogger(JobWatch.class);

    /** Told once per job whose deadline has passed, on the watchdog thread, just after the worker was interrupted. */
    @FunctionalInterface
    public interface Overdue {
        void deadlinePassed(Job job);
    }

    private final long deadlineNanos;
    private final long stallAfterNanos;
    private final Overdue overdue;
    private final Set<Job> running = ConcurrentHashMap.newKeySet();
    /** A job was past its deadline at the watchdog's last check: a field for hot paths to read. */
    private volatile boolean overdueAtLastCheck;

    /**
     * Watches jobs with the given {@code deadline}; a job still running after {@code stallShare} of it (0 to 1) gets a
     * {@code STALL} line. The deadline is checked on the watchdog's thread, so a stuck worker cannot hide its own job.
     */
    public JobWatch(StallWatchdog watchdog, Duration deadline, double stallShare, Overdue overdue) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("job deadline must be positive, got " + deadline);
        }
        if (!(stallShare > 0 && stallShare <= 1)) {
            throw new IllegalArgumentException("stall share must be above 0 and at most 1, got " + stallShare);
        }
        this.deadlineNanos = deadline.toNanos();
        this.stallAfterNanos = Math.max(1_000_000, (long) (deadlineNanos * stallShare));
        this.overdue = overdue;
        watchdog.everyInterval(this::check);
    }

    /** Starts watching the job the calling worker thread is about to run; close it when the job ends, however it ends. */
    public Job start(String what) {
        Job job = new Job(Thread.currentThread(), what);
        running.add(job);
        return job;
    }

    private void check() {
        long now = System.nanoTime();
        boolean anyOverdue = false;
        for (Job job : running) {
            long age = now - job.startNanos;
            anyOverdue |= age >= deadlineNanos;
            if (age >= stallAfterNanos && !job.stallReported) {
                job.stallReported = true;
                // The worker's stack shows what holds it, as the loops' STALL lines do.
                LOG.warn("STALL {} on {} for {} ms (deadline {} ms)", job.thread.getName(), job.what,
                        age / 1_000_000, deadlineNanos / 1_000_000, new StallWatchdog.StalledThreadStack(job.thread, false));
            }
            if (age >= deadlineNanos && job.interruptOnce()) {
                overdue.deadlinePassed(job);
            }
        }
        overdueAtLastCheck = anyOverdue;
    }

    /**
     * True if a job was past its deadline at the watchdog's last check (an interval ago at most): one field read, for
     * a liveness check answered thousands of times a second.
     */
    public boolean overdueAtLastCheck() {
        return overdueAtLastCheck;
    }

    /** Jobs running now. */
    public int running() {
        return running.size();
    }

    /** How long the oldest running job has run, in milliseconds; 0 when none runs. */
    public long oldestAgeMillis() {
        return running.stream().mapToLong(Job::ageMillis).max().orElse(0);
    }

    /** Jobs still running past their deadline (their workers did not answer the interrupt), oldest first. */
    public List<Job> overdue() {
        long now = System.nanoTime();
        return running.stream()
                .filter(j -> now - j.startNanos >= deadlineNanos)
                .sorted(Comparator.comparingLong(j -> j.startNanos))
                .collect(Collectors.toList());
    }

    /** True if a job is still running past its deadline: {@link #overdue()} without building the list, for hot paths. */
    public boolean anyOverdue() {
        long now = System.nanoTime();
        for (Job job : running) {
            if (now - job.startNanos >= deadlineNanos) {
                return true;
            }
        }
        return false;
    }

    /** Why a liveness check should fail, naming each job past its deadline; empty while none is. */
    public Optional<String> unhealthyReason() {
        List<Job> late = overdue();
        if (late.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(late.stream()
                .map(j -> j.thread().getName() + " on " + j.what() + " for " + j.ageMillis() + " ms")
                .collect(Collectors.joining(", ",
                        late.size() + " job(s) past the " + deadlineNanos / 1_000_000 + " ms deadline: ", "")));
    }

    /** One job on one worker thread, from {@link #start} until {@link #close}. */
    public final class Job implements AutoCloseable {
        private final Thread thread;
        private final String what;
        private final long startNanos = System.nanoTime();
        /** Written by the watchdog's thread, read by the worker when the job ends. */
        private volatile boolean stallReported;
        private boolean interrupted;
        private boolean closed;

        private Job(Thread thread, String what) {
            this.thread = thread;
            this.what = what;
        }

        /** Interrupts the worker the first time its deadline is seen passed; false if already done or interrupted. */
        private synchronized boolean interruptOnce() {
            if (closed || interrupted) {
                return false;
            }
            interrupted = true;
            LOG.warn("DEADLINE {} on {} passed its {} ms deadline: interrupting it", thread.getName(), what,
                    deadlineNanos / 1_000_000);
            // Under the lock with close(): the interrupt can never land on the worker's next job.
            thread.interrupt();
            return true;
        }

        /** What the job works on, as given to {@link #start}. */
        public String what() {
            return what;
        }

        /** The worker thread running it. */
        public Thread thread() {
            return thread;
        }

        /** How long it has run, in milliseconds. */
        public long ageMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }

        /** True once its deadline passed and its worker was interrupted. */
        public synchronized boolean interrupted() {
            return interrupted;
        }

        /** The job ended (done, failed or given up): stop watching it. */
        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            running.remove(this);
            if (stallReported) {
                LOG.warn("STALL over: {} on {} ended after {} ms", thread.getName(), what, ageMillis());
            }
        }
    }
}
