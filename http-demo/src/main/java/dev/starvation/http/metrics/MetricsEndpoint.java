package dev.starvation.http.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics} on a port of its own ({@code --metrics-port}), served by an event loop of its own. A scrape
 * through the application's loop waits for that loop, so during a stall it times out and Prometheus sees the target
 * down, blind to the very gauge that says how long the loop has been blocked; this loop is never the one that stalls.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final String TEXT = HttpHeaderValues.TEXT_PLAIN + "; charset=UTF-8";

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("metrics-loop"),
            NioIoHandler.newFactory());
    private final Channel channel;

    /** Listens on {@code host:port} (0 for any free port). */
    public MetricsEndpoint(String host, int port, ServerMetrics metrics) throws InterruptedException {
        try {
            this.channel = new ServerBootstrap()
                    .group(loop)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1024),
                                    new Handler(metrics));
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The port it listens on. */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Serves /metrics and nothing else. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final ServerMetrics metrics;

        Handler(ServerMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            String path = new QueryStringDecoder(request.uri()).path();
            if (!request.decoderResult().isSuccess()) {
                ServerMetrics.send(ctx, ServerMetrics.response(HttpResponseStatus.BAD_REQUEST, "malformed request\n",
                        TEXT), false);
            } else if (!path.equals(ServerMetrics.PATH)) {
                ServerMetrics.send(ctx, ServerMetrics.response(HttpResponseStatus.NOT_FOUND,
                        "no such path: " + path + " (this port serves " + ServerMetrics.PATH + ")\n", TEXT), keepAlive);
            } else if (!HttpMethod.GET.equals(request.method())) {
                ServerMetrics.send(ctx, ServerMetrics.response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "use GET\n", TEXT), keepAlive);
            } else {
                metrics.answer(ctx, keepAlive);
            }
        }
    }
}
