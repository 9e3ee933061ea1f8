package io.tunnel.core.link;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.tunnel.core.transport.Transports;

/**
 * A {@link StreamSocket} over a channel, seen from the context of its last handler ({@link StreamRelayHandler}):
 * writes pass every handler before it (TLS on the server's frontend), reads are switched with auto-read.
 */
final class ChannelStreamSocket implements StreamSocket {
    private final ChannelHandlerContext ctx;

    ChannelStreamSocket(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public ChannelFuture write(ByteBuf data) {
        return ctx.write(data);
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void shutdownOutput() {
        Transports.shutdownOutput(ctx.channel());
    }

    /**
     * Just closes: a close sends what a half-close would (the TLS handler's close_notify, then FIN, after what was
     * written), and Netty's half-close makes a stack-traced exception each time for writes that cannot be pending
     * here, plus a {@code shutdown(2)} call.
     */
    @Override
    public void shutdownOutputAndClose() {
        ctx.channel().close();
    }

    @Override
    public void setReading(boolean read) {
        ctx.channel().config().setAutoRead(read);
    }

    @Override
    public boolean isReset() {
        return Transports.isTcpClosed(ctx.channel());
    }

    @Override
    public boolean canDetectReset() {
        return Transports.canReadTcpState(ctx.channel());
    }

    @Override
    public void abort() {
        Transports.abort(ctx.channel());
    }

    @Override
    public void close() {
        ctx.channel().close();
    }

    @Override
    public String toString() {
        return ctx.channel().toString();
    }
}
