package dev.starvation.http.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's open connections: admits up to {@code --max-connections} and refuses the rest at once with a 503 that
 * says why, so a flood of connections costs a file descriptor for a moment, not a slot for as long as a client likes.
 * A few places beyond the cap are kept for the probes: a connection there may ask {@code /health} or {@code /ready}
 * once, so holding the cap makes a pod unready-looking to clients, never dead to the kubelet.
 */
final class Connections {

    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
    /** Places beyond the cap for probe connections: the kubelet's liveness and readiness, with room to spare. */
    static final int PROBE_PLACES = 4;
    /** A probe connection sends its request at once; one that is silent this long gives its place back. */
    static final long PROBE_IDLE_MS = 2_000;

    /** What a new connection may do. */
    enum Admission {
        /** Anything. */
        ADMITTED,
        /** Over the cap, in a probe place: one /health or /ready, then closed. */
        PROBE_ONLY,
        /** Over the cap and the probe places: 503 at once. */
        REFUSED
    }
    /** How long a refused connection may stay open after its 503, for the client to read it before we close. */
    private static final long LINGER_MS = 1_000;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private final ThrottledLine refusals = new ThrottledLine(LOG);

    Connections(int max) {
        this.max = max;
    }

    /** Whether {@code ch} may stay (counted until it closes), only for a probe, or not at all. */
    Admission admit(Channel ch) {
        int now = open.incrementAndGet();
        if (now > max + PROBE_PLACES) {
            open.decrementAndGet();
            countRefusal();
            return Admission.REFUSED;
        }
        channels.add(ch);
        ch.closeFuture().addListener(f -> {
            channels.remove(ch);
            open.decrementAndGet();
        });
        return now > max ? Admission.PROBE_ONLY : Admission.ADMITTED;
    }

    private void countRefusal() {
        refused.incrementAndGet();
        refusals.log("REFUSED x{} connection(s): {} open, the most --max-connections allows", max);
    }

    /** Refuses a request other than a probe on a connection in a probe place: the same 503 as at the cap. */
    void refuseRequest(ChannelHandlerContext ctx) {
        countRefusal();
        Responses.send(ctx, busy(), false);
    }

    private FullHttpResponse busy() {
        FullHttpResponse busy = Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "busy: " + max + " connections open, the most --max-connections allows; retry later");
        busy.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
        return busy;
    }

    /** Makes {@code pipeline} answer 503 and close, without reading a request. */
    void refuse(ChannelPipeline pipeline) {
        pipeline.addLast(new HttpResponseEncoder(), new Refusal());
    }

    /** Connections open now. */
    int open() {
        return open.get();
    }

    /** Connections refused over the cap so far. */
    long refused() {
        return refused.get();
    }

    /** Bytes of answers written by the server and not yet taken by the clients' sockets, over every connection. */
    long unsentBytes() {
        long sum = 0;
        for (Channel ch : channels) {
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out != null) {
                sum += out.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /** Answers 503 at once, then half-closes and drains what the client sends, so it can read the answer. */
    private final class Refusal extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Responses.withConnection(busy(), false)).addListener(f -> {
                // Closing at once could reset the connection under a request the client is still sending, and a
                // reset can discard our answer before the client reads it: half-close instead, close soon after.
                if (ctx.channel() instanceof SocketChannel socket && f.isSuccess()) {
                    socket.shutdownOutput();
                }
                ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
