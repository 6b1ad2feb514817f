package dev.starvation.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request must be complete within {@code --header-timeout} of its first byte, else 408 and close: unlike an idle
 * timer, a client sending a byte now and then does not restart it. The clock waits while an earlier answer of ours is
 * pending (that wait is not the client's doing) and starts when it is written if the next request has begun. It sits in
 * front of the codec to see bytes; {@link OneRequestAtATime} tells it when a request is complete and when answers go.
 */
final class HeaderDeadline extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);
    private static final ThrottledLine TIMEOUTS = new ThrottledLine(LOG);

    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    /** When the request being received started; 0 while none is. */
    private long startedAt;
    private boolean bytesSinceLastRequest;
    private boolean answerPending;
    /** One check at a time, rescheduled only while a request is being received: nothing per request in the common case. */
    private Future<?> check;

    HeaderDeadline(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            bytesSinceLastRequest = true;
            if (!answerPending && startedAt == 0) {
                start();
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void start() {
        startedAt = System.nanoTime();
        if (check == null) {
            check = ctx.executor().schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check() {
        check = null;
        if (startedAt == 0 || answerPending || !ctx.channel().isActive()) {
            return;
        }
        long left = timeoutNanos - (System.nanoTime() - startedAt);
        if (left > 0) {
            check = ctx.executor().schedule(this::check, left, TimeUnit.NANOSECONDS);
            return;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(timeoutNanos);
        TIMEOUTS.log("TIMEOUT 408 x{} request not complete {} ms after its first byte (--header-timeout), last from {}",
                ms, ctx.channel().remoteAddress());
        // Through the whole pipeline, so the codec encodes it and the answer passes where every answer passes.
        Responses.send(ctx.channel(), Responses.text(HttpResponseStatus.REQUEST_TIMEOUT,
                "request timeout: the request was not complete " + ms + " ms after its first byte"), false);
    }

    /** A whole request has arrived: its clock stops. */
    void requestReceived() {
        startedAt = 0;
        bytesSinceLastRequest = false;
    }

    /** A request went to the handler: no clock runs until its answer is written. */
    void answerPending() {
        answerPending = true;
    }

    /** The answer is written: a next request that began meanwhile starts its clock now. */
    void answerWritten() {
        answerPending = false;
        if (bytesSinceLastRequest && startedAt == 0) {
            start();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
