package io.tunnel.client.forward;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.transport.Transports;

/**
 * Relays what one channel reads to its peer: no copies (the buffer read is the buffer written), one flush per read
 * burst, reads of the peer paused while this channel cannot take more writes (AUTO_READ follows writability, with
 * the water marks set on both channels). The end of this channel's input half-closes the peer's output once what
 * was written before it is out; a channel is closed when both its halves are done, and a close (or error) of one
 * side closes the other after a flush.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    private final ForwardedConnection connection;
    private final ForwardedConnection.Side side;
    private final Channel peer;

    RelayHandler(ForwardedConnection connection, ForwardedConnection.Side side, Channel peer) {
        this.connection = connection;
        this.side = side;
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf && peer.isActive()) {
            connection.read(side, buf.readableBytes());
            peer.write(buf, peer.voidPromise()); // a failed write is an exceptionCaught on the peer
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            connection.inputEnded(side);
            if (((DuplexChannel) ctx.channel()).isOutputShutdown()) {
                ctx.close(); // both halves done
            }
            if (peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
                    if (written.isSuccess()) {
                        Transports.shutdownOutput(peer).addListener(ChannelFutureListener.CLOSE_ON_FAILURE)
                                .addListener((ChannelFuture shut) -> {
                                    if (((DuplexChannel) peer).isInputShutdown()) {
                                        peer.close(); // both halves done
                                    }
                                });
                    }
                });
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.failed(side, cause);
        ctx.close();
    }
}
