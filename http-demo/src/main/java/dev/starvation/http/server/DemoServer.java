package dev.starvation.http.server;

import dev.starvation.common.StallWatchdog;
import dev.starvation.common.SummaryLine;
import dev.starvation.http.metrics.MetricsConfig;
import dev.starvation.http.metrics.MetricsEndpoint;
import dev.starvation.http.metrics.ServerMetrics;
import dev.starvation.http.work.WorkOffloader;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's Netty server. One group does accept and I/O, so with {@code --event-loops 1} a single thread does both,
 * like the seed's single-worker server.
 */
public final class DemoServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);

    private final ServerConfig config;
    private final EventLoopGroup loops;
    private final StallWatchdog watchdog;
    private final WorkOffloader offloader;
    private final LoopStallChecker stalls;
    private final Connections connections;
    private final WaitingBytes waitingBytes;
    private final MetricsConfig metricsConfig;
    /** Null with --no-metrics. */
    private final ServerMetrics metrics;
    private MetricsEndpoint metricsEndpoint;
    private Channel serverChannel;
    private boolean stopped;

    /** Creates the loops, the worker pool and the watchdog over both, metrics on; {@link #start()} binds. */
    public DemoServer(ServerConfig config) {
        this(config, MetricsConfig.DEFAULT);
    }

    /** The same, with metrics as {@code metricsConfig} says. */
    public DemoServer(ServerConfig config, MetricsConfig metricsConfig) {
        this.config = config;
        this.loops = new MultiThreadIoEventLoopGroup(config.eventLoops(), new DefaultThreadFactory("event-loop"),
                NioIoHandler.newFactory());
        this.watchdog = new StallWatchdog(LoopStallChecker.interval(config.stallLimit()));
        this.offloader = new WorkOffloader(config.workers(), config.queue(), watchdog, config.workDeadline());
        this.stalls = new LoopStallChecker(watchdog, loops, config.stallLimit(), config.loopDeadline());
        this.connections = new Connections(config.maxConnections());
        this.waitingBytes = new WaitingBytes(config.maxWaitingBytes(), config.maxHeaderBytes(), config.maxBodyBytes());
        this.metricsConfig = metricsConfig;
        this.metrics = metricsConfig.enabled() ? new ServerMetrics() : null;
        if (metrics != null) {
            metrics.watchLoops(stalls.heartbeats());
            metrics.watchWorkerPool(offloader, config.workDeadline());
        }
    }

    /** Binds and returns the port (the real one when the config says 0). */
    public int start() throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(loops)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new DemoServerInitializer(config, offloader, new HealthHandler(offloader, stalls), connections,
                        waitingBytes, metrics))
                .bind(config.host(), config.port())
                .sync()
                .channel();
        int port = port();
        LOG.info("SERVER listening on {}:{} event-loops={} workers={} queue={} stall-limit={}ms work-deadline={}ms"
                + " loop-deadline={}ms max-connections={}", config.host(), port, config.eventLoops(), config.workers(),
                config.queue(), config.stallLimit().toMillis(), config.workDeadline().toMillis(),
                config.loopDeadline().toMillis(), config.maxConnections());
        if (metrics != null && metricsConfig.port() >= 0) {
            try {
                metricsEndpoint = new MetricsEndpoint(config.host(), metricsConfig.port(), metrics,
                        config.idleTimeout());
            } catch (RuntimeException e) {
                serverChannel.close().sync();
                throw new IllegalStateException("cannot listen on " + config.host() + ":" + metricsConfig.port()
                        + " (--metrics-port): " + e.getMessage(), e);
            }
            LOG.info("METRICS on http://{}:{}{} (a loop of its own) and on the server's port", config.host(),
                    metricsEndpoint.port(), ServerMetrics.PATH);
        }
        return port;
    }

    /** The port the server listens on. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The port of {@code --metrics-port}, once started; -1 if there is none. */
    public int metricsPort() {
        return metricsEndpoint != null ? metricsEndpoint.port() : -1;
    }

    /** Waits until the server channel is closed. */
    public void awaitClose() throws InterruptedException {
        serverChannel.closeFuture().sync();
    }

    /**
     * Graceful stop: no new connections, in-flight work gets the grace period (then it is abandoned with a 503), then
     * the loops end. Logs the run's SUMMARY line.
     */
    @Override
    public synchronized void close() throws InterruptedException {
        if (stopped) {
            return;
        }
        stopped = true;
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
        int inFlight = offloader.inFlight();
        LOG.info("SHUTDOWN stopped accepting; {} offloaded request(s) in flight, grace {} ms", inFlight,
                config.grace().toMillis());
        boolean finished = offloader.shutdown(config.grace());
        LOG.info("SHUTDOWN in-flight work {}", finished ? "finished" : "abandoned after the grace period (503 sent)");
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        watchdog.close();
        if (metricsEndpoint != null) {
            metricsEndpoint.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        LOG.info("{}", summary());
    }

    /** The worker pool, whose getters say how busy it is and what became of the work so far. */
    public WorkOffloader offloader() {
        return offloader;
    }

    /** Connections open now. */
    public int openConnections() {
        return connections.open();
    }

    /** Connections refused over {@code --max-connections} so far. */
    public long refusedConnections() {
        return connections.refused();
    }

    /** Bytes of answers written but not yet taken by the clients' sockets, over every open connection. */
    public long unsentBytes() {
        return connections.unsentBytes();
    }

    /** Bytes of pipelined requests waiting behind pending answers now, over every connection. */
    public long waitingBytes() {
        return waitingBytes.waitingNow();
    }

    /** The most bytes of pipelined requests that ever waited at once. */
    public long waitingBytesPeak() {
        return waitingBytes.peak();
    }

    /** The server's counters as a SUMMARY line. */
    public SummaryLine summary() {
        return new SummaryLine()
                .add("offloaded_done", offloader.completed())
                .add("rejected", offloader.rejected())
                .add("cancelled", offloader.cancelled())
                .add("failed", offloader.failed())
                .add("past_deadline", offloader.pastDeadline())
                .add("refused_connections", connections.refused())
                .add("stalls", stalls.stalls())
                .add("max_loop_lag_ms", stalls.maxLagMillis());
    }
}
