package io.tunnel.client.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.Future;
import io.tunnel.client.ClientPipeline;
import io.tunnel.client.HandoverHandler;
import io.tunnel.client.TunnelClient;

/**
 * The first handler of an accepted local connection: opens its tunnel (on the connection's own event loop, so both
 * channels of a forward share one thread), then puts a {@link RelayHandler} on each side and leaves. The local
 * connection is not read (AUTO_READ off) until the tunnel is open: what its client sends meanwhile, an end of input
 * included, waits in the kernel or, where epoll reads it anyway (at the peer's FIN), in the {@link HandoverHandler}
 * behind this one, and is relayed then (with half-closure a close looks like a half-close, so it does not stop the
 * dial). If the dial fails the local connection is closed; if the local connection is reset during
 * the dial, the dial is cancelled.
 */
final class ForwardHandler extends ChannelInboundHandlerAdapter {
    private final TunnelClient client;
    private final ForwardConfig config;
    private final WriteBufferWaterMark waterMark;
    private ForwardedConnection connection;
    private Future<Channel> dial;

    ForwardHandler(TunnelClient client, ForwardConfig config, WriteBufferWaterMark waterMark) {
        this.client = client;
        this.config = config;
        this.waterMark = waterMark;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel local = ctx.channel();
        connection = new ForwardedConnection(local.remoteAddress(), config.target());
        connection.watchLocal(local);
        dial = client.dialChannel(config.targetHost(), config.targetPort(), local.eventLoop());
        dial.addListener((Future<Channel> f) -> onDial(ctx, f));
        ctx.fireChannelActive();
    }

    private void onDial(ChannelHandlerContext ctx, Future<Channel> f) {
        if (f.isCancelled()) {
            return; // the local connection closed first
        }
        if (!f.isSuccess()) {
            connection.dialFailed(f.cause());
            ctx.close();
            return;
        }
        Channel tunnel = f.getNow();
        Channel local = ctx.channel();
        connection.tunnelOpened(tunnel);
        if (!local.isActive()) {
            tunnel.close();
            return;
        }
        try {
            tunnel.config().setWriteBufferWaterMark(waterMark);
            tunnel.pipeline().addLast(ClientPipeline.RELAY,
                    new RelayHandler(connection, ForwardedConnection.Side.TUNNEL, local));
            ctx.pipeline().addLast(ClientPipeline.RELAY,
                    new RelayHandler(connection, ForwardedConnection.Side.LOCAL, tunnel));
            ctx.pipeline().remove(this);
        } catch (RuntimeException e) {
            connection.failed(ForwardedConnection.Side.LOCAL, e);
            tunnel.close();
            local.close();
            return;
        }
        tunnel.config().setAutoRead(true); // delivers what came right behind the proxy's answer
        local.config().setAutoRead(true);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (dial != null && !dial.isDone()) {
            dial.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.failed(ForwardedConnection.Side.LOCAL, cause);
        ctx.close();
    }
}
