package dev.starvation.http.work;

import dev.starvation.http.server.Responses;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
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
 * When every worker is busy and the queue is full it answers 503 at once rather than queueing without bound.
 */
public final class WorkOffloader {

    private static final Logger LOG = LoggerFactory.getLogger(WorkOffloader.class);
    /** Thrown on every refusal in a flood, so it is made once and carries no stack. */
    private static final RejectedExecutionException FULL = new RejectedExecutionException("worker pool full") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    };
    private static final long REJECT_LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ThreadPoolExecutor pool;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong rejectedUnlogged = new AtomicLong();
    private volatile long lastRejectLog = System.nanoTime() - REJECT_LOG_EVERY_NANOS;
    private final AtomicLong completed = new AtomicLong();
    /** Answers handed to the loops but not yet written: shutdown waits for them before the loops close the sockets. */
    private final Set<ChannelFuture> unwritten = ConcurrentHashMap.newKeySet();
    private final int queueCapacity;
    /** When each running job started, for the oldest running request's age. */
    private final Map<Job, Long> running = new ConcurrentHashMap<>();

    /** A pool of {@code workers} threads with room for {@code queue} waiting requests. */
    public WorkOffloader(int workers, int queue) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.queueCapacity = queue;
        // --queue 0 means no backlog at all; ArrayBlockingQueue cannot have capacity 0.
        this.pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue), threads,
                (job, pool) -> {
                    throw FULL;
                });
    }

    /** Runs {@code work} on a worker and sends what it returns; answers 503 with Retry-After if the pool is full. */
    public void submit(ChannelHandlerContext ctx, boolean keepAlive, Supplier<FullHttpResponse> work) {
        Job job = new Job(ctx, keepAlive, work);
        try {
            pool.execute(job);
        } catch (RejectedExecutionException full) {
            rejected.incrementAndGet();
            if (pool.isShutdown()) {
                job.refuse("shutting down: no new work is taken");
            } else {
                logRejection();
                job.refuse("busy: every worker is taken and the queue is full, retry later");
            }
        }
    }

    /** One REJECT line a second at most: a flood of refusals must not become a flood of log lines on the loop. */
    private void logRejection() {
        long unlogged = rejectedUnlogged.incrementAndGet();
        long now = System.nanoTime();
        if (now - lastRejectLog >= REJECT_LOG_EVERY_NANOS) {
            lastRejectLog = now;
            rejectedUnlogged.addAndGet(-unlogged);
            LOG.info("REJECT 503 x{} worker pool full ({} busy, {} queued)", unlogged, pool.getActiveCount(),
                    pool.getQueue().size());
        }
    }

    /** One request's work and the channel its answer goes back to. */
    private final class Job implements Runnable {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private final Supplier<FullHttpResponse> work;

        Job(ChannelHandlerContext ctx, boolean keepAlive, Supplier<FullHttpResponse> work) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
            this.work = work;
        }

        @Override
        public void run() {
            running.put(this, System.nanoTime());
            try {
                track(Responses.send(ctx, work.get(), keepAlive));
                completed.incrementAndGet();
            } finally {
                running.remove(this);
            }
        }

        void refuse(String why) {
            FullHttpResponse busy = Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, why);
            busy.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
            track(Responses.send(ctx, busy, false));
        }

        private void track(ChannelFuture write) {
            unwritten.add(write);
            write.addListener(f -> unwritten.remove(write));
        }
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

    /** Requests refused with a 503 so far. */
    public long rejected() {
        return rejected.get();
    }

    /** Offloaded requests whose work ran and whose answer was sent. */
    public long completed() {
        return completed.get();
    }

    /** Requests running on a worker or waiting in the queue. */
    public int inFlight() {
        return pool.getActiveCount() + pool.getQueue().size();
    }

    /** Workers running a request now. */
    public int active() {
        return pool.getActiveCount();
    }

    /** Workers in the pool. */
    public int workers() {
        return pool.getMaximumPoolSize();
    }

    /** Requests waiting for a worker. */
    public int queued() {
        return pool.getQueue().size();
    }

    /** Requests that may wait for a worker. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** How long the oldest running request has run, in milliseconds; 0 when none runs. */
    public long oldestRunningMillis() {
        long now = System.nanoTime();
        return running.values().stream().mapToLong(start -> (now - start) / 1_000_000).max().orElse(0);
    }
}
