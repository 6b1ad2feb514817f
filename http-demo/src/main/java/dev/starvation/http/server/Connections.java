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
 */
final class Connections {

    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
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

    /** True if {@code ch} may stay, counted until it closes; false if it is one too many. */
    boolean admit(Channel ch) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.incrementAndGet();
            refusals.log("REFUSED x{} connection(s): {} open, the most --max-connections allows", max);
            return false;
        }
        channels.add(ch);
        ch.closeFuture().addListener(f -> {
            channels.remove(ch);
            open.decrementAndGet();
        });
        return true;
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
            FullHttpResponse busy = Responses.withConnection(Responses.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "busy: " + max + " connections open, the most --max-connections allows; retry later"), false);
            busy.headers().setInt(HttpHeaderNames.RETRY_AFTER, 1);
            ctx.writeAndFlush(busy).addListener(f -> {
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
