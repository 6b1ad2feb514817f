package dev.starvation.http.work;

import dev.starvation.common.JobWatch;
import dev.starvation.http.server.Responses;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's work on a worker and the channel its answer goes back to. Whatever becomes of the work decides the
 * answer: done (what the work returned), thrown (500, then close), past the deadline (504), abandoned at shutdown (503),
 * or nothing at all when the client went away first, which also takes the job out of the queue or interrupts it.
 */
final class Job implements Runnable, ChannelFutureListener {

    private static final Logger LOG = LoggerFactory.getLogger(Job.class);

    private final WorkOffloader offloader;
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final String what;
    private final Supplier<FullHttpResponse> work;
    private final long createdNanos = System.nanoTime();
    private final AtomicBoolean holdsASlot = new AtomicBoolean(true);
    /** The worker running it, from start to end; guarded by this, so an interrupt never reaches the next job. */
    private Thread runner;
    private boolean cancelled;
    private boolean ended;

    Job(WorkOffloader offloader, ChannelHandlerContext ctx, boolean keepAlive, String what,
            Supplier<FullHttpResponse> work) {
        this.offloader = offloader;
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.what = what;
        this.work = work;
    }

    /** Starts listening for the client leaving (its connection closing). */
    void watchTheClient() {
        ctx.channel().closeFuture().addListener(this);
    }

    void stopWatchingTheClient() {
        ctx.channel().closeFuture().removeListener(this);
    }

    /** The channel closed before the answer: the client went away, or the connection was cut. */
    @Override
    public void operationComplete(ChannelFuture closed) {
        Thread interrupted;
        synchronized (this) {
            if (ended || cancelled) {
                return;
            }
            cancelled = true;
            interrupted = runner;
            if (interrupted != null) {
                interrupted.interrupt();
            }
        }
        long ms = (System.nanoTime() - createdNanos) / 1_000_000;
        if (interrupted != null) {
            LOG.info("CANCELLED {}: its connection closed after {} ms; interrupting {}", what, ms,
                    interrupted.getName());
        } else if (offloader.removeQueued(this)) {
            slotFreed();
            LOG.info("CANCELLED {}: its connection closed after {} ms; taken out of the queue", what, ms);
        } else {
            LOG.info("CANCELLED {}: its connection closed after {} ms, before the work started", what, ms);
        }
        offloader.countCancelled();
    }

    @Override
    public void run() {
        synchronized (this) {
            if (cancelled) {
                slotFreed();
                return;
            }
            runner = Thread.currentThread();
        }
        FullHttpResponse answer = null;
        Throwable failure = null;
        boolean interrupted;
        JobWatch.Job watched = null;
        try {
            // Inside the try: an Error here must still free the slot and answer the client, like one from the work.
            watched = offloader.watch().start(what);
            answer = work.get();
        } catch (Throwable t) {
            // Any Throwable: an Error from the work must not leave the client hanging either.
            failure = t;
        } finally {
            if (watched != null) {
                watched.close();
            }
            interrupted = end();
            slotFreed();
        }
        stopWatchingTheClient();
        if (isCancelled()) {
            release(answer);
            return;
        }
        boolean pastDeadline = watched != null && watched.interrupted();
        if (failure != null && pastDeadline) {
            // Real blocking calls throw when interrupted: the deadline caused this failure, so it is a 504, not a 500.
            release(answer);
            LOG.info("DEADLINE {}: the work threw {} once interrupted", what, failure.toString());
            offloader.track(Responses.send(ctx, interruptedAnswer(true), keepAlive && !offloader.isShutdown()));
            return;
        }
        if (failure != null) {
            release(answer);
            offloader.countFailed();
            LOG.warn("FAILED {}: the work threw {}", what, failure.toString(), failure);
            offloader.track(Responses.send(ctx, Responses.text(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "internal error: the work failed (" + failure.getClass().getSimpleName() + ")"), false));
            return;
        }
        if (interrupted) {
            release(answer);
            answer = interruptedAnswer(pastDeadline);
        } else {
            offloader.countCompleted();
        }
        offloader.track(Responses.send(ctx, answer, keepAlive && !offloader.isShutdown()));
    }

    private FullHttpResponse interruptedAnswer(boolean byTheDeadline) {
        if (byTheDeadline) {
            offloader.countPastDeadline();
            // 504 rather than 503: "took too long" is not "full, try again", and a dashboard can tell the two apart.
            return Responses.text(HttpResponseStatus.GATEWAY_TIMEOUT, "deadline: the work ran past --work-deadline ("
                    + offloader.deadlineMillis() + " ms) and was interrupted");
        }
        if (offloader.isShutdown()) {
            return Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down: work abandoned");
        }
        return Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "interrupted: the work was stopped before its end");
    }

    /** Answers 503 without running: the pool is full or shutting down. */
    void refuse(String why) {
        FullHttpResponse busy = Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, why);
        busy.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
        offloader.track(Responses.send(ctx, busy, false));
    }

    /** Gives the job's place in the pool back, once, however the job ended. */
    void slotFreed() {
        if (holdsASlot.compareAndSet(true, false)) {
            offloader.free();
        }
    }

    /** The job is over on its worker; true if the worker was interrupted (the flag is cleared for its next job). */
    private synchronized boolean end() {
        ended = true;
        runner = null;
        return Thread.interrupted();
    }

    private synchronized boolean isCancelled() {
        return cancelled;
    }

    private static void release(FullHttpResponse answer) {
        if (answer != null) {
            answer.release();
        }
    }
}
