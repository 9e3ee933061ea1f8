package io.tunnel.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

/** A connection that sends one fixed HTTP request when it opens and reads the responses with an {@link HttpReader}. */
abstract class HttpConn extends Conn {
    private final byte[] request;
    final HttpReader reader = new HttpReader();

    HttpConn(Target target, byte[] request) {
        super(target);
        this.request = request;
    }

    @Override
    void onOpen(ChannelHandlerContext ctx) {
        send(ctx);
    }

    /** Writes the request (again). */
    void send(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
    }

    @Override
    final void onData(ChannelHandlerContext ctx, ByteBuf buf) {
        reader.feed(buf, () -> onResponse(ctx));
    }

    /** A complete response was read; {@link HttpReader#lastStatus()} is its status. */
    abstract void onResponse(ChannelHandlerContext ctx);
}
