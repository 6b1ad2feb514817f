package dev.starvation.http.server;

import dev.starvation.http.work.WorkOffloader;
import dev.starvation.http.metrics.RequestTimers;
import dev.starvation.http.metrics.ServerMetrics;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds each connection's pipeline: the connection cap, the request deadline and the idle timeout, size limits, one
 * request at a time, then the router.
 */
final class DemoServerInitializer extends ChannelInitializer<SocketChannel> {

    private static final int MAX_REQUEST_LINE = 4096;
    /**
     * Requests a client may send ahead of their answers (Netty's own default, made explicit): past it the codec stops
     * reading and closes after the next answer, so the requests waiting in {@link OneRequestAtATime} stay few.
     */
    static final int MAX_PIPELINE_DEPTH = 128;

    private final ServerConfig config;
    private final WorkOffloader offloader;
    private final HealthHandler health;
    private final Connections connections;
    private final WaitingBytes waitingBytes;
    /** Null with --no-metrics. */
    private final ServerMetrics metrics;
    private final RequestTimers timers;

    DemoServerInitializer(ServerConfig config, WorkOffloader offloader, HealthHandler health, Connections connections,
            WaitingBytes waitingBytes, ServerMetrics metrics) {
        this.config = config;
        this.offloader = offloader;
        this.health = health;
        this.connections = connections;
        this.waitingBytes = waitingBytes;
        this.metrics = metrics;
        this.timers = metrics == null ? null : new RequestTimers(metrics.registry(),
                path -> Routes.exists(path) || path.equals(ServerMetrics.PATH));
    }

    /** True for the codec's complaint that a client pipelined past {@link #MAX_PIPELINE_DEPTH} (it has no type of its own). */
    static boolean isPipelineTooDeep(Throwable cause) {
        return cause instanceof DecoderException && cause.getCause() instanceof IllegalStateException state
                && String.valueOf(state.getMessage()).startsWith("maxPipelineDepth exceeded");
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        Connections.Admission admission = connections.admit(ch);
        if (admission == Connections.Admission.REFUSED) {
            connections.refuse(p);
            return;
        }
        boolean probeOnly = admission == Connections.Admission.PROBE_ONLY;
        HeaderDeadline deadline = new HeaderDeadline(config.headerTimeout());
        ReadGate gate = new ReadGate();
        OneRequestAtATime oneAtATime = new OneRequestAtATime(deadline, gate, waitingBytes, timers);
        p.addLast(gate);
        p.addLast(deadline);
        p.addLast(new IdleStateHandler(0, 0, probeOnly ? Math.min(Connections.PROBE_IDLE_MS,
                config.idleTimeout().toMillis()) : config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        p.addLast(new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_REQUEST_LINE)
                .setMaxHeaderSize(config.maxHeaderBytes()), MAX_PIPELINE_DEPTH));
        p.addLast(new RequestAggregator(config.maxBodyBytes(), oneAtATime));
        p.addLast(oneAtATime);
        p.addLast(new DemoHandler(offloader, health, oneAtATime, config.maxSeconds(), metrics,
                probeOnly ? connections : null));
    }
}
