package dev.starvation.http.metrics;

import dev.starvation.common.Heartbeat;
import dev.starvation.common.metrics.HeartbeatMetrics;
import dev.starvation.common.metrics.PrometheusMetrics;
import dev.starvation.http.work.WorkOffloader;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;

/**
 * The http-demo's metrics: each event loop's lag, stalls and current stall, the worker pool, requests by route and
 * status, and the JVM's, served as Prometheus text on {@code GET /metrics}. A scrape is built on a thread of its own,
 * never on an event loop: the endpoint must not add to the lag it reports.
 */
public final class ServerMetrics implements AutoCloseable {

    /** Where the metrics are served, on the server's port and on {@code --metrics-port}. */
    public static final String PATH = "/metrics";

    private final PrometheusMetrics metrics = new PrometheusMetrics();
    private final ExecutorService scrapes = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "metrics-scrape");
        t.setDaemon(true);
        return t;
    });

    /** Where the server's own meters go. */
    public MeterRegistry registry() {
        return metrics.registry();
    }

    /**
     * Publishes each loop's heartbeat, tagged {@code loop=<thread name>}, the name its {@code STALL} lines use. A
     * loop's thread is known once it has run its first tick, which the watchdog hands it at once.
     */
    public void watchLoops(List<Heartbeat> loops) {
        for (int i = 0; i < loops.size(); i++) {
            Heartbeat loop = loops.get(i);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (loop.thread() == null && System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            String name = loop.thread() != null ? loop.thread().getName() : "event-loop-" + i;
            HeartbeatMetrics.bind(registry(), loop, "event.loop.lag", "event.loop",
                    "event loop's lateness to run the watchdog's tick", Tags.of("loop", name));
        }
    }

    /**
     * Publishes the worker pool: busy and total workers, queue, refusals, completions, requests cut at their deadline,
     * the oldest running request and the deadline it is held to.
     */
    public void watchWorkerPool(WorkOffloader pool, Duration workDeadline) {
        gauge("worker.pool.active", "threads", "Workers running a request now", pool, WorkOffloader::active);
        gauge("worker.pool.max", "threads", "Workers in the pool (--workers)", pool, WorkOffloader::workers);
        gauge("worker.pool.queued", "requests", "Requests waiting for a worker", pool, WorkOffloader::queued);
        gauge("worker.pool.queue.capacity", "requests", "Requests that may wait (--queue); past it, 503", pool,
                p -> p.capacity() - p.workers());
        FunctionCounter.builder("worker.pool.rejected", pool, WorkOffloader::rejected)
                .description("Requests refused with 503 because every worker was busy and the queue full")
                .register(registry());
        FunctionCounter.builder("worker.pool.completed", pool, WorkOffloader::completed)
                .description("Offloaded requests whose work ran and whose answer was sent")
                .register(registry());
        FunctionCounter.builder("worker.pool.past.deadline", pool, WorkOffloader::pastDeadline)
                .description("Requests interrupted at --work-deadline (answered 504)")
                .register(registry());
        TimeGauge.builder("worker.pool.oldest.request.age", pool, TimeUnit.MILLISECONDS,
                        WorkOffloader::oldestRunningMillis)
                .description("How long the oldest request running on a worker has run; 0 when none runs")
                .register(registry());
        TimeGauge.builder("worker.pool.request.deadline", workDeadline.toMillis(), TimeUnit.MILLISECONDS, ms -> ms)
                .description("--work-deadline: a request still running past it is interrupted and answered 504")
                .strongReference(true).register(registry());
    }

    private <T> void gauge(String name, String unit, String help, T obj, ToDoubleFunction<T> value) {
        Gauge.builder(name, obj, value).baseUnit(unit).description(help).register(registry());
    }

    /** Answers a {@code GET /metrics} on {@code ctx}'s channel from the scrape thread. */
    public void answer(ChannelHandlerContext ctx, boolean keepAlive) {
        try {
            scrapes.execute(() -> send(ctx, response(HttpResponseStatus.OK, metrics.scrape(),
                    PrometheusMetrics.CONTENT_TYPE), keepAlive));
        } catch (RejectedExecutionException closing) {
            send(ctx, response(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n",
                    HttpHeaderValues.TEXT_PLAIN + "; charset=UTF-8"), false);
        }
    }

    static FullHttpResponse response(HttpResponseStatus status, String body, String contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        return response;
    }

    static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION,
                keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        var write = ctx.writeAndFlush(response);
        if (!keepAlive) {
            write.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void close() {
        scrapes.shutdownNow();
        metrics.close();
    }
}
