package dev.starvation.http.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Writes the server's plain-text answers, keeping the connection only when the client asked for it and all is well. */
public final class Responses {

    private Responses() {
    }

    /** A text answer; {@code keepAlive} false closes the connection once it is written. */
    public static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=UTF-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }

    /**
     * Sends {@code response} with a Connection header to match {@code keepAlive}; safe from any thread, because Netty
     * hands a write from outside the loop to the channel's own loop. {@code to} is a handler's context, or the channel
     * itself for an answer from a handler in front of the codec.
     */
    public static ChannelFuture send(ChannelOutboundInvoker to, FullHttpResponse response, boolean keepAlive) {
        return write(to, withConnection(response, keepAlive), keepAlive);
    }

    /** Sets the Connection header to match {@code keepAlive}. */
    static FullHttpResponse withConnection(FullHttpResponse response, boolean keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION,
                keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        return response;
    }

    /** Sends a response whose headers are already complete (and may be shared, read-only); closes unless keep-alive. */
    static ChannelFuture write(ChannelOutboundInvoker to, FullHttpResponse response, boolean keepAlive) {
        ChannelFuture written = to.writeAndFlush(response);
        return keepAlive ? written : written.addListener(ChannelFutureListener.CLOSE);
    }
}
