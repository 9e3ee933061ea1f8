package io.tunnel.core.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.transport.FatalErrors;

/**
 * The last handler of a stream's socket: hands bytes read to the {@link TunnelStream} and tells it about end of
 * input, errors and close. The socket is registered with its link's event loop (the agent dials on it, the server
 * moves each frontend connection onto it), so all callbacks run on the thread the stream is confined to.
 */
public final class StreamRelayHandler extends ChannelInboundHandlerAdapter {
    private final TunnelStream stream;

    public StreamRelayHandler(TunnelStream stream) {
        this.stream = stream;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        stream.attach(new ChannelStreamSocket(ctx));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            stream.onSocketRead(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The link is flushed once the loop handled every socket ready in this round, not once per socket: what their
     * streams send shares TLS records and writes.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        stream.link().flushSoon();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            stream.onSocketEof();
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stream.socketClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.report(ctx, cause);
        stream.onSocketError(cause);
    }
}
