import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import dev.starvation.common.CpuWork;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The yardstick for bench/http.sh: the barest Netty HTTP server we could write, on one event loop, answering "OK".
 * Run as a single-file program with the http-demo jar on the class path: java -cp http-demo.jar HelloWorldServer.java PORT
 * [JOBS SECONDS]: with JOBS, a fixed pool of JOBS threads burns the CPU for SECONDS each, as the http-demo's loaded
 * row does on its worker pool, so the two loaded p99s compare the servers, not the load.
 */
public final class HelloWorldServer {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        if (args.length == 3) {
            int jobs = Integer.parseInt(args[1]);
            Duration length = Duration.ofSeconds(Long.parseLong(args[2]));
            ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
                Thread t = new Thread(r, "worker");
                t.setDaemon(true);
                return t;
            });
            for (int i = 0; i < jobs; i++) {
                pool.execute(() -> CpuWork.burn(length));
            }
            System.out.println("POOL " + jobs + " CPU-bound jobs of " + length.toSeconds() + " s started");
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ByteBuf body = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII));
        new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new SimpleChannelInboundHandler<HttpObject>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                                if (!(msg instanceof HttpRequest request)) {
                                    return;
                                }
                                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                        HttpResponseStatus.OK, body.duplicate());
                                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
                                if (HttpUtil.isKeepAlive(request)) {
                                    ctx.writeAndFlush(response);
                                } else {
                                    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                                }
                            }
                        });
                    }
                })
                .bind("127.0.0.1", port).sync();
        System.out.println("HELLO listening on 127.0.0.1:" + port);
    }
}
