package dev.starvation.http.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 on one connection: one request at a time, answered in the order asked. The next request goes to the handler
 * only once the answer before it is written. While an answer is pending the socket is still read, so a client that
 * leaves is noticed and its work dropped; a second request stops reading until the first is answered, and so does a
 * channel that is not writable: a client that sends without reading holds one answer of ours, not thousands.
 * It also closes idle connections unless the wait is for our own answer, and every answer passes {@link #write} with
 * the request it answers: the one place to count answers by route and status.
 */
final class OneRequestAtATime extends ChannelDuplexHandler implements ChannelFutureListener {

    private static final Logger LOG = LoggerFactory.getLogger(OneRequestAtATime.class);
    private static final ThrottledLine SLOW_READERS = new ThrottledLine(LOG);

    private final HeaderDeadline deadline;
    /** Requests that arrived while an answer was pending; at most what one socket read held, since reading stops. */
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    /** A request is with the handler, and its answer is not written yet. */
    private boolean busy;
    /** That answer has been handed to the channel: from now on the wait is the client's (or the network's). */
    private boolean answerSent;
    private boolean dispatching;
    private HttpMethod method;
    private String uri;
    private long dispatchedAt;

    OneRequestAtATime(HeaderDeadline deadline) {
        this.deadline = deadline;
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
        waiting.add(request);
        flow();
    }

    /** Hands the next request to the handler if it may go, then reads only if nothing waits and we can write. */
    private void flow() {
        if (dispatching) {
            return; // a write completed inside the loop below: the loop goes on from there
        }
        dispatching = true;
        try {
            Channel ch = ctx.channel();
            while (!busy && !waiting.isEmpty() && ch.isActive() && ch.isWritable()) {
                dispatch(waiting.poll());
            }
            boolean read = waiting.isEmpty() && ch.isWritable();
            if (ch.config().isAutoRead() != read) {
                ch.config().setAutoRead(read);
            }
        } finally {
            dispatching = false;
        }
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
     * Every answer the server writes on a connection, with the request it answers (null for one that answers no
     * complete request, such as a 408): where a counter of answers by route and status belongs.
     */
    private void answered(HttpMethod method, String uri, HttpResponseStatus status) {
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
        FullHttpRequest request;
        while ((request = waiting.poll()) != null) {
            request.release();
        }
    }
}
