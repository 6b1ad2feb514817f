package dev.starvation.http.server;

import dev.starvation.http.work.Work;
import dev.starvation.http.work.WorkOffloader;
import dev.starvation.http.metrics.ServerMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.util.Iterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes a request. {@code /processing} and {@code /processing_fixed} do the same work; the bug runs it here on the event
 * loop, the fix hands the same call to the {@link WorkOffloader}.
 */
final class DemoHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(DemoHandler.class);
    private static final ThrottledLine TOO_DEEP = new ThrottledLine(LOG);
    private static final ThrottledLine GONE = ThrottledLine.debug(LOG);

    private final WorkOffloader offloader;
    private final HealthHandler health;
    private final OneRequestAtATime oneAtATime;
    private final double maxSeconds;
    /** Null with --no-metrics. */
    private final ServerMetrics metrics;
    /** Set on a connection in a probe place over the cap: it may ask a probe once, nothing else. */
    private final Connections probePlace;

    DemoHandler(WorkOffloader offloader, HealthHandler health, OneRequestAtATime oneAtATime, double maxSeconds,
            ServerMetrics metrics, Connections probePlace) {
        this.probePlace = probePlace;
        this.offloader = offloader;
        this.health = health;
        this.oneAtATime = oneAtATime;
        this.maxSeconds = maxSeconds;
        this.metrics = metrics;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        DecoderResult decoded = request.decoderResult();
        if (decoded.isFailure()) {
            Responses.send(ctx, malformed(decoded.cause()), false);
            return;
        }
        String expect = request.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
            Responses.send(ctx, Responses.text(HttpResponseStatus.EXPECTATION_FAILED, "expectation failed: only"
                    + " 'Expect: 100-continue' is understood, got '" + expect + "'"), false);
            return;
        }
        String badHost = badHost(request);
        if (badHost != null) {
            Responses.send(ctx, Responses.text(HttpResponseStatus.BAD_REQUEST, badHost), false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        QueryStringDecoder uri = new QueryStringDecoder(originForm(request.uri()));
        String path = uri.path();
        if (probePlace != null) {
            if (!path.equals(Routes.HEALTH) && !path.equals(Routes.READY)) {
                probePlace.refuseRequest(ctx);
                return;
            }
            keepAlive = false; // one probe, then the place is free for the next
        }
        boolean getOrHead = HttpMethod.GET.equals(request.method()) || HttpMethod.HEAD.equals(request.method());
        if (metrics != null && path.equals(ServerMetrics.PATH) && getOrHead) {
            metrics.answer(ctx, keepAlive);
            return;
        }
        if (!Routes.exists(path)) {
            Responses.send(ctx, Responses.text(HttpResponseStatus.NOT_FOUND, "no such path: " + path
                    + " (try " + String.join(", ", Routes.PATHS) + ")"), keepAlive);
            return;
        }
        // HEAD is GET without the body (RFC 9110 section 9.3.2): the codec leaves the body out by itself.
        if (!getOrHead) {
            FullHttpResponse response = Responses.text(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "method " + request.method() + " not allowed on " + path + ": use GET or HEAD");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            Responses.send(ctx, response, keepAlive);
            return;
        }
        if (path.equals(Routes.HEALTH)) {
            Responses.write(ctx, health.live(keepAlive), keepAlive);
            return;
        }
        if (path.equals(Routes.READY)) {
            Responses.write(ctx, health.ready(keepAlive), keepAlive);
            return;
        }
        ProcessingRequest work;
        try {
            work = ProcessingRequest.parse(uri, maxSeconds);
        } catch (ProcessingRequest.Invalid e) {
            Responses.send(ctx, Responses.text(HttpResponseStatus.BAD_REQUEST, e.getMessage()), keepAlive);
            return;
        }
        switch (path) {
            case Routes.PROCESSING -> Responses.send(ctx, process(work, Work.SLEEP), keepAlive);
            case Routes.PROCESSING_BUSY -> Responses.send(ctx, process(work, Work.BURN), keepAlive);
            case Routes.PROCESSING_FIXED -> offloader.submit(ctx, keepAlive, work.describe(), () -> process(work, Work.SLEEP));
            case Routes.PROCESSING_BUSY_FIXED -> offloader.submit(ctx, keepAlive, work.describe(), () -> process(work, Work.BURN));
            default -> throw new IllegalStateException("route without a handler: " + path);
        }
    }

    /**
     * Why the Host header makes the request invalid, or null: an HTTP/1.1 request needs exactly one (RFC 9112 section
     * 3.2), and a server answers 400 otherwise.
     */
    private static String badHost(FullHttpRequest request) {
        if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return null;
        }
        Iterator<? extends CharSequence> hosts = request.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return "bad request: an HTTP/1.1 request needs a Host header";
        }
        hosts.next();
        return hosts.hasNext() ? "bad request: more than one Host header" : null;
    }

    /** A target in absolute form ({@code http://host/health}, what a proxy is sent) as the path and query it names. */
    private static String originForm(String target) {
        if (target.isEmpty() || (target.charAt(0) != 'h' && target.charAt(0) != 'H')) {
            return target;
        }
        int scheme = target.indexOf("://");
        if (scheme < 0 || !target.substring(0, scheme).matches("(?i)https?")) {
            return target;
        }
        int path = target.indexOf('/', scheme + 3);
        int query = target.indexOf('?', scheme + 3);
        if (path < 0 || (query >= 0 && query < path)) {
            return query < 0 ? "/" : "/" + target.substring(query);
        }
        return target.substring(path);
    }

    /** The slow request itself, on whichever thread calls it. */
    private static FullHttpResponse process(ProcessingRequest request, Work work) {
        if (!work.run(request.path(), request.length(), request.fault())) {
            return Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "interrupted: the work was stopped before its end");
        }
        return Responses.text(HttpResponseStatus.OK, "done in " + request.length().toMillis() + " ms on "
                + Thread.currentThread().getName());
    }

    /**
     * A client that resets or leaves, mid-request included, is routine under load: one throttled debug line, no stack
     * trace. Anything else is a bug of ours: logged with its stack, answered 500 if the request still waits for its
     * answer, and the connection closed.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException || cause instanceof PrematureChannelClosureException) {
            GONE.log("RESET x{} connection(s) reset or closed by the client mid-request, last {}: {}",
                    ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
            return;
        }
        if (DemoServerInitializer.isPipelineTooDeep(cause)) {
            // Netty's codec stopped reading this client and closes the connection after our next answer: nothing to add.
            TOO_DEEP.log("PIPELINE x{} client(s) sent more than {} requests ahead of their answers: closing after the"
                    + " next answer, last {}", DemoServerInitializer.MAX_PIPELINE_DEPTH, ctx.channel().remoteAddress());
            return;
        }
        LOG.warn("ERROR on the connection from {}: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        if (oneAtATime.canAnswer()) {
            Responses.send(ctx, Responses.text(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "internal error: " + cause.getClass().getSimpleName()), false);
        } else {
            ctx.close();
        }
    }

    private static FullHttpResponse malformed(Throwable cause) {
        if (cause instanceof TooLongHttpHeaderException) {
            return Responses.text(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
        }
        if (cause instanceof TooLongHttpLineException) {
            return Responses.text(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
        }
        if (cause instanceof TooLongFrameException) {
            return Responses.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request too large");
        }
        return Responses.text(HttpResponseStatus.BAD_REQUEST, "malformed request: " + cause.getMessage());
    }
}
