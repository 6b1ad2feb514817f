package dev.starvation.http.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Times every answer by route and status ({@code http_server_requests_seconds}). The server calls {@link #record} from
 * the one place that sees each answer with the request it answers; the timers are made once per route and status and
 * kept, so a request costs a lookup in an array and a timer update.
 */
public final class RequestTimers {

    /** Paths outside the routes are counted together, so a scanner cannot create a time series per URL. */
    static final String OTHER = "other";

    private final MeterRegistry registry;
    private final Predicate<String> isRoute;
    private final Map<String, Timer[]> byRoute = new ConcurrentHashMap<>();

    /** Timers in {@code registry}; a path for which {@code isRoute} is false is labelled {@code other}. */
    public RequestTimers(MeterRegistry registry, Predicate<String> isRoute) {
        this.registry = registry;
        this.isRoute = isRoute;
    }

    /** Counts one answer of {@code status} to {@code uri} (null when it answers no complete request). */
    public void record(String uri, int status, long nanos) {
        String route = route(uri);
        Timer[] timers = byRoute.computeIfAbsent(route, r -> new Timer[600]);
        int code = status >= 100 && status < 600 ? status : 0;
        Timer timer = timers[code];
        if (timer == null) {
            timer = Timer.builder("http.server.requests")
                    .description("Answers by route and status, from the request's dispatch to the answer's write")
                    .tags("route", route, "status", String.valueOf(status))
                    .register(registry);
            timers[code] = timer;
        }
        timer.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    private String route(String uri) {
        if (uri == null) {
            return OTHER;
        }
        // The path as sent, up to the query: cheaper than decoding it, and a route is matched literally anyway.
        int end = uri.indexOf('?');
        String path = end < 0 ? uri : uri.substring(0, end);
        return isRoute.test(path) ? path : OTHER;
    }
}
