package io.tunnel.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.buffer.Buffers;

/**
 * Holds what a tunnel channel receives between the proxy's {@code 200} and its user's first {@code read()}: the
 * bytes that came right behind the answer, an end of input, the first error, the close. The channel is handed over
 * with AUTO_READ off, so this is at most what was already on its way (one read, or what epoll drains at a peer's
 * close). The user's first {@code read()} (or {@code setAutoRead(true)}, which reads) passes here: the handler
 * removes itself, then fires what it held, in order, to the handlers the user added, and passes the read on unless
 * the held bytes already answer it.
 *
 * <p>The channel allows half-closure until then, so that an end of input seen early (epoll reads a peer's FIN even
 * while AUTO_READ is off) is held like the bytes before it rather than closing the channel under the user. At the
 * handover the user's choice takes over: without half-closure, a held end of input becomes a close after the held
 * bytes, and a later one closes the channel as Netty does.
 *
 * <p>{@code tunnel-client forward} puts one on each accepted local connection too, which is not read until its tunnel
 * is open.
 *
 * <p>If the channel closes and is deregistered before the user reads, Netty removes every handler; what was held is
 * released then.
 */
public final class HandoverHandler extends ChannelDuplexHandler {
    private final boolean allowHalfClosure;
    private ByteBuf held;
    private boolean inputShutdown;
    private boolean inactive;
    private Throwable error;

    /**
     * @param allowHalfClosure whether the channel's user wants an end of input as an event (half-closure) rather than
     *                         a close; the channel must allow half-closure until the handover
     */
    public HandoverHandler(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
        } else {
            held = Buffers.append(held, buf, ctx.alloc());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // fired again, once, with the held bytes
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            inputShutdown = true;
        } else if (evt != ChannelInputShutdownReadComplete.INSTANCE) {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (error == null) {
            error = cause;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inactive = true;
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ByteBuf buf = held;
        held = null;
        ctx.pipeline().remove(this);
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, allowHalfClosure);
        // A removed context still links to its neighbours: events fired from it reach the user's handlers.
        if (buf != null) {
            ctx.fireChannelRead(buf);
            ctx.fireChannelReadComplete();
        }
        if (inputShutdown && allowHalfClosure) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            ctx.fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
        if (error != null) {
            ctx.fireExceptionCaught(error);
        }
        if (inactive) {
            ctx.fireChannelInactive();
        } else if (inputShutdown && !allowHalfClosure) {
            ctx.channel().close();
        } else if (!inputShutdown && (buf == null || ctx.channel().config().isAutoRead())) {
            ctx.read(); // (nothing is left to read after the end of input)
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
