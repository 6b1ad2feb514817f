package dev.starvation.http.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Times every answer of a connection by route and status ({@code http_server_requests_seconds}), from the request's
 * head to its answer, whoever writes the answer: the router, a worker, or the codec's own 413. Sits right after the
 * HTTP codec; HTTP/1.1 answers come in request order, so a queue per connection pairs them.
 */
public final class RequestMetrics extends ChannelDuplexHandler {

    /** Paths outside the routes are counted together, so a scanner cannot create a time series per URL. */
    static final String OTHER = "other";

    /** The timers of one server, by route and status code, shared by its connections. */
    public static final class Timers {
        private final MeterRegistry registry;
        private final Predicate<String> isRoute;
        private final Map<String, Timer[]> byRoute = new ConcurrentHashMap<>();

        /** Timers in {@code registry}; a path for which {@code isRoute} is false is labelled {@code other}. */
        public Timers(MeterRegistry registry, Predicate<String> isRoute) {
            this.registry = registry;
            this.isRoute = isRoute;
        }

        String route(String uri) {
            // The path as sent, up to the query: cheaper than decoding it, and a route is matched literally anyway.
            int end = uri.indexOf('?');
            String path = end < 0 ? uri : uri.substring(0, end);
            return isRoute.test(path) ? path : OTHER;
        }

        void record(String route, int status, long nanos) {
            Timer[] timers = byRoute.computeIfAbsent(route, r -> new Timer[600]);
            int code = status >= 100 && status < 600 ? status : 0;
            Timer timer = timers[code];
            if (timer == null) {
                timer = Timer.builder("http.server.requests")
                        .description("Answers by route and status, from the request's head to the answer's write")
                        .tags("route", route, "status", String.valueOf(status))
                        .register(registry);
                timers[code] = timer;
            }
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    private record Pending(String route, long startNanos) {
    }

    private final Timers timers;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /** One per connection. */
    public RequestMetrics(Timers timers) {
        this.timers = timers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            pending.add(new Pending(timers.route(request.uri()), System.nanoTime()));
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response && !informational(response.status().code())) {
            Pending request = pending.poll();
            long start = request != null ? request.startNanos() : System.nanoTime();
            timers.record(request != null ? request.route() : OTHER, response.status().code(),
                    System.nanoTime() - start);
        }
        super.write(ctx, msg, promise);
    }

    /** A 1xx (100 Continue) precedes the real answer of the same request. */
    private static boolean informational(int status) {
        return status >= 100 && status < 200;
    }
}
