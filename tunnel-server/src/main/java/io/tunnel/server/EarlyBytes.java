package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tunnel.core.buffer.Buffers;

/**
 * What a client sends after its request head and before its tunnel opens (bytes it pipelined, its end of input):
 * held, never interpreted, and passed on only if the tunnel opens; dropped with the connection otherwise. Confined
 * to the connection's event loop.
 */
final class EarlyBytes {
    private ByteBuf held;
    private boolean inputEnded;

    void hold(ByteBuf buf, ByteBufAllocator alloc) {
        held = Buffers.append(held, buf, alloc);
    }

    void inputEnded() {
        inputEnded = true;
    }

    /** Fires what was held, in order, to the handlers after {@code ctx}. */
    void fireTo(ChannelHandlerContext ctx) {
        if (held != null) {
            ByteBuf buf = held;
            held = null;
            ctx.fireChannelRead(buf);
            ctx.fireChannelReadComplete(); // ends the burst: the relay flushes the link
        }
        if (inputEnded) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
