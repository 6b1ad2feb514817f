package dev.starvation.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
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
final class WorkOffloader {

    private static final Logger LOG = LoggerFactory.getLogger(WorkOffloader.class);

    private final ThreadPoolExecutor pool;
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();

    WorkOffloader(int workers, int queue) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // --queue 0 means no backlog at all; ArrayBlockingQueue cannot have capacity 0.
        this.pool = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue), threads,
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code work} on a worker and sends what it returns; answers 503 with Retry-After if the pool is full. */
    void submit(ChannelHandlerContext ctx, boolean keepAlive, Supplier<FullHttpResponse> work) {
        Job job = new Job(ctx, keepAlive, work);
        try {
            pool.execute(job);
        } catch (RejectedExecutionException full) {
            rejected.incrementAndGet();
            if (pool.isShutdown()) {
                job.refuse("shutting down: no new work is taken");
            } else {
                LOG.info("REJECT 503 worker pool full ({} busy, {} queued)", pool.getActiveCount(), pool.getQueue().size());
                job.refuse("busy: every worker is taken and the queue is full, retry later");
            }
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
            Responses.send(ctx, work.get(), keepAlive);
            completed.incrementAndGet();
        }

        void refuse(String why) {
            FullHttpResponse busy = Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, why);
            busy.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
            Responses.send(ctx, busy, false);
        }
    }

    /** Lets running and queued work finish within {@code grace}, then interrupts what is left; true if all finished. */
    boolean shutdown(Duration grace) throws InterruptedException {
        pool.shutdown();
        if (pool.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        // Work still queued never started: tell its clients rather than leave them hanging.
        for (Runnable neverStarted : pool.shutdownNow()) {
            ((Job) neverStarted).refuse("shutting down: the grace period ended before this work started");
        }
        pool.awaitTermination(2, TimeUnit.SECONDS);
        return false;
    }

    long rejected() {
        return rejected.get();
    }

    long completed() {
        return completed.get();
    }

    int inFlight() {
        return pool.getActiveCount() + pool.getQueue().size();
    }
}
