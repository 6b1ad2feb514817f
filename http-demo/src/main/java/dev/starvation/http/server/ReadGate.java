package dev.starvation.http.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * The one place a connection's reads can be stopped for real. Turning {@code autoRead} off is not enough: the codec
 * and the aggregator ask for another read themselves while a request is half received, so a client could stream
 * request after request behind a pending answer. At the head of the pipeline, every read request passes here, and
 * while the gate is shut it is kept back until the gate opens.
 */
final class ReadGate extends ChannelOutboundHandlerAdapter {

    private ChannelHandlerContext ctx;
    private boolean open = true;
    private boolean readAsked;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (open) {
            ctx.read();
        } else {
            readAsked = true;
        }
    }

    /** Opens or shuts the gate; a read asked for while it was shut goes out when it opens. Called on the loop. */
    void open(boolean open) {
        this.open = open;
        if (open && readAsked) {
            readAsked = false;
            ctx.read();
        }
    }

    boolean isOpen() {
        return open;
    }
}
