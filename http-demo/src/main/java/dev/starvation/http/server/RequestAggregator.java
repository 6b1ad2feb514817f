package dev.starvation.http.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpContentException;

/**
 * Netty's aggregator, except that it never answers by itself, which would overtake an answer still pending on a
 * worker: a body over {@code --max-body-bytes} goes on as a failed request (413 in its turn), an expectation other than
 * 100-continue goes on to be answered 417 in its turn, and 100 Continue goes out only once the answers before it have.
 */
final class RequestAggregator extends HttpObjectAggregator {

    private static final FullHttpResponse CONTINUE = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);

    private final OneRequestAtATime oneAtATime;

    RequestAggregator(int maxBodyBytes, OneRequestAtATime oneAtATime) {
        super(maxBodyBytes);
        this.oneAtATime = oneAtATime;
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        // Null: Netty then checks the length itself (413 through handleOversizedMessage below) and reads the body.
        if (start instanceof HttpRequest request && HttpUtil.is100ContinueExpected(request)
                && !isContentLengthInvalid(start, maxContentLength)) {
            request.headers().remove(HttpHeaderNames.EXPECT);
            return oneAtATime.continueNowOrLater() ? CONTINUE.retainedDuplicate() : null;
        }
        return null;
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
