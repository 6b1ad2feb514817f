package dev.starvation.http.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Closes a connection that has been idle too long, unless it is waiting for our answer: a silent client or half a
 * request must not hold a connection for ever, but a slow /processing_fixed answer is our doing, not the client's.
 */
final class IdleCloser extends ChannelDuplexHandler {

    private int awaitingAnswers;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof FullHttpRequest) {
            awaitingAnswers++;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof FullHttpResponse && awaitingAnswers > 0) {
            awaitingAnswers--;
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && awaitingAnswers == 0) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
