package dev.starvation.http.server;

import dev.starvation.http.metrics.RequestTimers;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on one connection: one request at a time, answered in the order asked. The next request goes to the handler
 * only once the answer before it is written. While an answer is pending the socket is still read, so a client that
 * leaves is noticed and its work dropped, within the server-wide {@link WaitingBytes} budget; a second request stops
 * reading for real ({@link ReadGate}) until the first is answered, and so does a channel that is not writable: a
 * client that pipelines bodies holds one waiting request, and one that sends without reading one answer of ours.
 * It also closes idle connections unless the wait is for our own answer, and every answer passes {@link #write} with
 * the request it answers: the one place to count answers by route and status.
 */
final class OneRequestAtATime extends ChannelDuplexHandler implements ChannelFutureListener {

    private static final Logger LOG = LoggerFactory.getLogger(OneRequestAtATime.class);
    private static final ThrottledLine SLOW_READERS = new ThrottledLine(LOG);

    private final HeaderDeadline deadline;
    private final ReadGate gate;
    private final WaitingBytes budget;
    /** Null with --no-metrics. */
    private final RequestTimers timers;
    /**
     * Requests that arrived while an answer was pending: at most one whole request and what the read that completed it
     * held, since reading stops for real (at the {@link ReadGate}) as soon as one waits.
     */
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
    /** This connection holds a share of {@code --max-waiting-bytes}: it may read while its answer is pending. */
    private boolean reserved;
    private ChannelHandlerContext ctx;
    /** A request is with the handler, and its answer is not written yet. */
    private boolean busy;
    /** That answer has been handed to the channel: from now on the wait is the client's (or the network's). */
    private boolean answerSent;
    private boolean dispatching;
    /** An answer that closes the connection has gone out: nothing after it may be dispatched (RFC 9112 section 9.6). */
    private boolean closing;
    /** The request being received asked for 100 Continue while an answer was pending: sent once that is written. */
    private boolean continueOwed;
    private HttpMethod method;
    private String uri;
    private long dispatchedAt;

    OneRequestAtATime(HeaderDeadline deadline, ReadGate gate, WaitingBytes budget, RequestTimers timers) {
        this.deadline = deadline;
        this.gate = gate;
        this.budget = budget;
        this.timers = timers;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        deadline.requestReceived();
        continueOwed = false;
        if (closing) {
            request.release(); // after a closing answer: never processed, whatever the client sent
            return;
        }
        if (!busy && waiting.isEmpty() && ctx.channel().isActive() && ctx.channel().isWritable()) {
            dispatch(request); // the common case: nothing ahead of it, nothing to account for
        } else {
            budget.waiting(sizeOf(request));
            waiting.add(request);
        }
        flow();
    }

    /** About what a waiting request holds: its body, its target and its headers. */
    private static long sizeOf(FullHttpRequest request) {
        long bytes = request.content().readableBytes() + request.uri().length();
        for (var it = request.headers().iteratorCharSequence(); it.hasNext(); ) {
            var header = it.next();
            bytes += header.getKey().length() + header.getValue().length() + 4;
        }
        return bytes;
    }

    private FullHttpRequest nextWaiting() {
        FullHttpRequest next = waiting.poll();
        budget.waiting(-sizeOf(next));
        return next;
    }

    /** Hands the next request to the handler if it may go, then reads only if nothing waits and we can write. */
    private void flow() {
        if (dispatching) {
            return; // a write completed inside the loop below: the loop goes on from there
        }
        dispatching = true;
        try {
            Channel ch = ctx.channel();
            if (closing) {
                releaseWaiting();
                gate.open(false);
                ch.config().setAutoRead(false);
                return;
            }
            while (!busy && !waiting.isEmpty() && ch.isActive() && ch.isWritable()) {
                dispatch(nextWaiting());
            }
            boolean read = waiting.isEmpty() && ch.isWritable();
            if (busy && read && !reserved) {
                // Reading behind a pending answer notices a client that leaves, and may pile up a request that waits:
                // only within the server-wide budget. Without a share, stop until the answer is written.
                reserved = budget.tryReserve();
                read = reserved;
            }
            if (!busy && waiting.isEmpty()) {
                releaseReservation();
                if (continueOwed && ch.isActive()) {
                    continueOwed = false;
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                            Unpooled.EMPTY_BUFFER));
                }
            }
            gate.open(read);
            if (ch.config().isAutoRead() != read) {
                ch.config().setAutoRead(read);
            }
        } finally {
            dispatching = false;
        }
    }

    /**
     * A request that expects 100 Continue has arrived (its headers only): true if the continue may go now, since no
     * earlier answer is pending; otherwise it goes once they are written, so it never overtakes one.
     */
    boolean continueNowOrLater() {
        if (!busy && waiting.isEmpty() && !closing) {
            return true;
        }
        continueOwed = !closing;
        return false;
    }

    private void dispatch(FullHttpRequest request) {
        busy = true;
        answerSent = false;
        method = request.method();
        uri = request.uri();
        dispatchedAt = System.nanoTime();
        deadline.answerPending();
        ctx.fireChannelRead(request);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            boolean forTheRequest = busy && !answerSent;
            if (!HttpUtil.isKeepAlive(response)) {
                closing = true; // checked before the write completes: its listener must not dispatch the next request
            }
            answered(forTheRequest ? method : null, forTheRequest ? uri : null, response.status());
            if (forTheRequest) {
                answerSent = true;
                promise = promise.unvoid();
                promise.addListener(this);
            }
        }
        ctx.write(msg, promise);
    }

    /**
     * Every answer the server writes on an admitted connection, with the request it answers (null for one that answers
     * no complete request, such as a 408): where a counter of answers by route and status belongs. Refusals over
     * {@code --max-connections} never get this far; {@link Connections} counts them.
     */
    private void answered(HttpMethod method, String uri, HttpResponseStatus status) {
        if (timers != null && !(status.code() >= 100 && status.code() < 200)) {
            timers.record(uri, status.code(), method == null ? 0 : System.nanoTime() - dispatchedAt);
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("ANSWER {} {} {} after {} us", method, uri, status.code(),
                    method == null ? 0 : (System.nanoTime() - dispatchedAt) / 1_000);
        }
    }

    /** The answer's write completed: the next request may go. */
    @Override
    public void operationComplete(ChannelFuture written) {
        if (!written.isSuccess()) {
            ctx.close();
            return;
        }
        busy = false;
        answerSent = false;
        deadline.answerWritten();
        flow();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        flow();
        ctx.fireChannelWritabilityChanged();
    }

    /** True while the handler owes the current request its answer and the connection can still carry one. */
    boolean canAnswer() {
        return busy && !answerSent && ctx.channel().isActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof IdleStateEvent)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        if (busy && !answerSent) {
            return; // idle because our own work is slow: not the client's fault, keep the connection
        }
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        long unsent = out == null ? 0 : out.totalPendingWriteBytes();
        if (unsent > 0) {
            SLOW_READERS.log("IDLE closed x{} connection(s) whose client stopped reading our answers, last {} with {}"
                    + " bytes unsent", ctx.channel().remoteAddress(), unsent);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    private void releaseWaiting() {
        while (!waiting.isEmpty()) {
            nextWaiting().release();
        }
        releaseReservation();
    }

    private void releaseReservation() {
        if (reserved) {
            reserved = false;
            budget.release();
        }
    }
}
