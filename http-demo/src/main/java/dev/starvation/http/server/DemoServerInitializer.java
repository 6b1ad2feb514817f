package dev.starvation.http.server;

import dev.starvation.http.work.WorkOffloader;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** Builds each connection's pipeline: size limits, the idle timeout, then the router. */
final class DemoServerInitializer extends ChannelInitializer<SocketChannel> {

    private static final int MAX_REQUEST_LINE = 4096;

    private final ServerConfig config;
    private final WorkOffloader offloader;

    DemoServerInitializer(ServerConfig config, WorkOffloader offloader) {
        this.config = config;
        this.offloader = offloader;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(config.maxHeaderBytes())));
        // Answers 413 by itself when a body is larger than the limit.
        p.addLast(new HttpObjectAggregator(config.maxBodyBytes()));
        p.addLast(new IdleCloser());
        p.addLast(new DemoHandler(offloader, config.maxSeconds()));
    }
}
