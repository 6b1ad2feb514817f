package dev.starvation.http.work;

import dev.starvation.common.JobWatch;
import dev.starvation.common.StallWatchdog;
import dev.starvation.http.server.ThrottledLine;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fix: a bounded worker pool that runs slow work off the event loop and writes the answer back through the channel.
 * When every worker is busy and the queue is full it answers 503 at once rather than queueing without bound; work past
 * its deadline is interrupted, and work whose client left is dropped. Its getters are what a metrics registry binds to.
 */
public final class WorkOffloader {

    private static final Logger LOG = LoggerFactory.getLogger(WorkOffloader.class);
    /** A job still running at this share of its deadline gets a STALL line with its worker's stack. */
    private static final double STALL_SHARE = 0.75;

    private final ThreadPoolExecutor pool;
    private final int workers;
    private final int queueCapacity;
    private final JobWatch watch;
    private final long deadlineMillis;
    /**
     * Requests admitted and not yet over: running, queued, or between. Admission counts here rather than by the pool's
     * queue, whose "full" also refuses work while a worker sits idle that has not yet taken the last queued job.
     */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ThrottledLine rejections = new ThrottledLine(LOG);
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong pastDeadline = new AtomicLong();
    /** Answers handed to the loops but not yet written: shutdown waits for them before the loops close the sockets. */
    private final Set<ChannelFuture> unwritten = ConcurrentHashMap.newKeySet();

    /**
     * A pool of {@code workers} threads with room for {@code queue} waiting requests; each request's work is watched by
     * {@code watchdog} against {@code deadline}.
     */
    public WorkOffloader(int workers, int queue, StallWatchdog watchdog, Duration deadline) {
        this.workers = workers;
        this.queueCapacity = queue;
        this.deadlineMillis = deadline.toMillis();
        this.watch = new JobWatch(watchdog, deadline, STALL_SHARE, job -> { });
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // The queue never holds more than --queue jobs: submit admits at most workers + queue at a time.
        this.pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                threads);
    }

    /**
     * Runs {@code work} on a worker and sends what it returns; answers 503 with Retry-After if the pool is full.
     * {@code what} names the request in log lines and in {@code /health}'s reason, e.g. {@code GET /x seconds=7}.
     */
    public void submit(ChannelHandlerContext ctx, boolean keepAlive, String what, Supplier<FullHttpResponse> work) {
        Job job = new Job(this, ctx, keepAlive, what, work);
        if (inFlight.incrementAndGet() > capacity()) {
            inFlight.decrementAndGet();
            rejected.incrementAndGet();
            // One line a second at most: a flood of refusals must not become a flood of log lines on the loop.
            rejections.log("REJECT 503 x{} worker pool full ({} busy, {} queued)", active(), queued());
            job.refuse("busy: every worker is taken and the queue is full, retry later");
            return;
        }
        // Before the pool has it: a job that ended first would leave a listener behind on a keep-alive connection.
        job.watchTheClient();
        try {
            pool.execute(job);
        } catch (RejectedExecutionException shutDown) {
            job.stopWatchingTheClient();
            job.slotFreed();
            rejected.incrementAndGet();
            job.refuse("shutting down: no new work is taken");
        }
    }

    /** A job admitted by {@link #submit} is over, run or not: its place is free for the next request. */
    void free() {
        inFlight.decrementAndGet();
    }

    JobWatch watch() {
        return watch;
    }

    long deadlineMillis() {
        return deadlineMillis;
    }

    boolean removeQueued(Job job) {
        return pool.remove(job);
    }

    boolean isShutdown() {
        return pool.isShutdown();
    }

    void countCompleted() {
        completed.incrementAndGet();
    }

    void countCancelled() {
        cancelled.incrementAndGet();
    }

    void countFailed() {
        failed.incrementAndGet();
    }

    void countPastDeadline() {
        pastDeadline.incrementAndGet();
    }

    void track(ChannelFuture write) {
        unwritten.add(write);
        write.addListener(f -> unwritten.remove(write));
    }

    /** Lets running and queued work finish within {@code grace}, then interrupts what is left; true if all finished. */
    public boolean shutdown(Duration grace) throws InterruptedException {
        pool.shutdown();
        if (pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            awaitWrites(Duration.ofSeconds(2));
            return true;
        }
        // Work still queued never started: tell its clients rather than leave them hanging.
        for (Runnable neverStarted : pool.shutdownNow()) {
            ((Job) neverStarted).slotFreed();
            ((Job) neverStarted).refuse("shutting down: the grace period ended before this work started");
        }
        pool.awaitTermination(2, TimeUnit.SECONDS);
        awaitWrites(Duration.ofSeconds(2));
        return false;
    }

    /** Waits, up to {@code limit}, until every answer the workers produced has been written. */
    private void awaitWrites(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        for (ChannelFuture write : Set.copyOf(unwritten)) {
            write.awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    /**
     * Why liveness should fail: the jobs still running past the work deadline, their workers deaf to the interrupt.
     * One field read while every job is in time, since {@code /health} asks on every probe; the watchdog's check
     * updates it every interval.
     */
    public Optional<String> unhealthyReason() {
        return watch.overdueAtLastCheck() ? watch.unhealthyReason() : Optional.empty();
    }

    /** True while every worker is busy and the queue is full: the next request would be refused (readiness). */
    public boolean saturated() {
        return inFlight.get() >= capacity();
    }

    /** Workers running a request now. */
    public int active() {
        return watch.running();
    }

    /** Requests waiting for a worker. */
    public int queued() {
        return pool.getQueue().size();
    }

    /** Workers plus queue places: how many requests may be in flight before the next is refused. */
    public int capacity() {
        return workers + queueCapacity;
    }

    /** Worker threads. */
    public int workers() {
        return workers;
    }

    /** Requests running on a worker or waiting in the queue. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests refused with a 503 so far (pool full or shutting down). */
    public long rejected() {
        return rejected.get();
    }

    /** Offloaded requests whose work ran to its end and whose answer was sent. */
    public long completed() {
        return completed.get();
    }

    /** Requests dropped because their client went away first. */
    public long cancelled() {
        return cancelled.get();
    }

    /** Requests whose work threw (answered 500). */
    public long failed() {
        return failed.get();
    }

    /** Requests interrupted at the work deadline (answered 504). */
    public long pastDeadline() {
        return pastDeadline.get();
    }

    /** How long the oldest running request has been on its worker, in milliseconds; 0 when none runs. */
    public long oldestRunningMillis() {
        return watch.oldestAgeMillis();
    }
}
