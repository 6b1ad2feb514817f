package dev.starvation.http.server;

import dev.starvation.http.work.WorkOffloader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.ReadOnlyHttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The two probes' answers. {@code /health} (liveness) is answered on the loop, so a late answer means a busy loop, and
 * turns 503 when another loop is wedged past the loop deadline (with several loops, a probe may land on a free one)
 * or a worker past the work deadline: a restart is the cure for all three. {@code /ready}
 * (readiness) is 503 while the pool and its queue are full: send traffic elsewhere, do not restart.
 */
final class HealthHandler {

    /** The healthy answer, built once: a probe every few seconds and wrk's 100,000 a second cost no buffer or header. */
    private static final ByteBuf OK = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(3).writeBytes("OK\n".getBytes(StandardCharsets.US_ASCII)));
    private static final HttpHeaders OK_KEEP_ALIVE = okHeaders(HttpHeaderValues.KEEP_ALIVE);
    private static final HttpHeaders OK_CLOSE = okHeaders(HttpHeaderValues.CLOSE);

    private final WorkOffloader offloader;
    private final LoopStallChecker loops;

    HealthHandler(WorkOffloader offloader, LoopStallChecker loops) {
        this.offloader = offloader;
        this.loops = loops;
    }

    private static HttpHeaders okHeaders(CharSequence connection) {
        return new ReadOnlyHttpHeaders(false,
                HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=UTF-8",
                HttpHeaderNames.CONTENT_LENGTH, String.valueOf(OK.readableBytes()),
                HttpHeaderNames.CONNECTION, connection);
    }

    /**
     * Liveness: the shared 200 "OK", or 503 naming the loops stalled past the loop deadline and the jobs past the work
     * deadline. Headers are complete.
     */
    FullHttpResponse live(boolean keepAlive) {
        String loop = loops.wedged();
        Optional<String> wedged = loop != null ? Optional.of(loop) : offloader.unhealthyReason();
        if (wedged.isPresent()) {
            return Responses.withConnection(Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "unhealthy: " + wedged.get()),
                    keepAlive);
        }
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, OK.duplicate(),
                keepAlive ? OK_KEEP_ALIVE : OK_CLOSE, EmptyHttpHeaders.INSTANCE);
    }

    /** Readiness: 503 while a request would be refused for want of a worker or a queue place. Headers are complete. */
    FullHttpResponse ready(boolean keepAlive) {
        int active = offloader.active();
        int queued = offloader.queued();
        int queueCapacity = offloader.capacity() - offloader.workers();
        String figures = active + " of " + offloader.workers() + " workers busy, " + queued + " of " + queueCapacity
                + " queue places taken";
        FullHttpResponse answer = offloader.saturated()
                ? Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + figures
                        + "; new work would be refused (liveness is not affected)")
                : Responses.text(HttpResponseStatus.OK, "ready: " + figures);
        return Responses.withConnection(answer, keepAlive);
    }
}
