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
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} on a port of its own ({@code --metrics-port}), served by an event loop of its own. A scrape
 * through the application's loop waits for that loop, so during a stall it times out and Prometheus sees the target
 * down, blind to the very gauge that says how long the loop has been blocked; this loop is never the one that stalls.
 * Its limits are a scraper's: a few connections ({@link #MAX_CONNECTIONS}), closed when idle for the server's
 * {@code --idle-timeout}, and a connection that errs is closed without a stack trace.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    private static final String TEXT = HttpHeaderValues.TEXT_PLAIN + "; charset=UTF-8";
    /** Prometheus keeps one connection per target; a few more for a person with curl, none for a flood. */
    static final int MAX_CONNECTIONS = 16;

    private final AtomicInteger open = new AtomicInteger();

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("metrics-loop"),
            NioIoHandler.newFactory());
    private final Channel channel;

    /** Listens on {@code host:port} (0 for any free port); a connection idle for {@code idleTimeout} is closed. */
    public MetricsEndpoint(String host, int port, ServerMetrics metrics, Duration idleTimeout)
            throws InterruptedException {
        try {
            this.channel = new ServerBootstrap()
                    .group(loop)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                                open.decrementAndGet();
                                ch.close();
                                return;
                            }
                            ch.closeFuture().addListener(f -> open.decrementAndGet());
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, idleTimeout.toMillis(),
                                    TimeUnit.MILLISECONDS), new HttpServerCodec(), new HttpObjectAggregator(1024),
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

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        /** A scraper that resets, or sends something odd: close, one debug line, no stack trace on the loop. */
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("METRICS closed the connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
