package dev.starvation.http.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * Netty's aggregator, except that a body over {@code --max-body-bytes} goes on as a failed request instead of being
 * answered 413 from here: Netty's own 413 would overtake an answer still pending on a worker, out of order.
 */
final class RequestAggregator extends HttpObjectAggregator {

    RequestAggregator(int maxBodyBytes) {
        super(maxBodyBytes);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest request)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        FullHttpRequest tooLarge = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                request.uri(), Unpooled.EMPTY_BUFFER, request.headers().copy(), EmptyHttpHeaders.INSTANCE);
        tooLarge.setDecoderResult(DecoderResult.failure(new TooLongHttpContentException(
                "request body over " + maxContentLength() + " bytes")));
        ctx.fireChannelRead(tooLarge);
    }
}
