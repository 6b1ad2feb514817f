package dev.starvation.http.server;

import dev.starvation.http.metrics.RequestMetrics;
import dev.starvation.http.metrics.ServerMetrics;
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
    /** Null with --no-metrics. */
    private final ServerMetrics metrics;
    private final RequestMetrics.Timers timers;

    DemoServerInitializer(ServerConfig config, WorkOffloader offloader, ServerMetrics metrics) {
        this.config = config;
        this.offloader = offloader;
        this.metrics = metrics;
        this.timers = metrics == null ? null : new RequestMetrics.Timers(metrics.registry(),
                path -> Routes.exists(path) || path.equals(ServerMetrics.PATH));
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(config.maxHeaderBytes())));
        if (timers != null) {
            p.addLast(new RequestMetrics(timers));
        }
        // Answers 413 by itself when a body is larger than the limit.
        p.addLast(new HttpObjectAggregator(config.maxBodyBytes()));
        p.addLast(new IdleCloser());
        p.addLast(new DemoHandler(offloader, config.maxSeconds(), metrics));
    }
}
