package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The SNI frontend's counterpart of {@link ConnectHandler}: takes the {@link SniHelloDecoder}'s outcome and, for a
 * route, has a {@link StreamOpening} open the stream to the route's destination; a rejection is answered (a TLS alert
 * where one fits) and closes the connection. The ClientHello, which the decoder hands on when removed, waits in the
 * opening, behind the PROXY protocol header if the frontend sends one, and goes to the destination only if the dial
 * succeeds. Leaves the pipeline once the stream opened.
 */
final class SniConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(SniConnectHandler.class);

    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    private final boolean proxyProtocol;
    private StreamOpening opening;

    /** @param proxyProtocol whether a PROXY protocol v2 header goes to the destination ahead of the ClientHello */
    SniConnectHandler(AgentChooser chooser, FrontendAnswer answer, boolean proxyProtocol) {
        this.chooser = chooser;
        this.answer = answer;
        this.proxyProtocol = proxyProtocol;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (opening != null) {
            opening.release();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SniRoutes.Route route) {
            onRoute(ctx, route);
        } else if (msg instanceof SniRejection rejection) {
            answer.refuse(rejection.response(), rejection.alert(), rejection.target(), rejection.reason());
        } else if (msg instanceof ByteBuf buf && opening != null && !answer.isAnswered()) {
            opening.hold(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRoute(ChannelHandlerContext ctx, SniRoutes.Route route) {
        opening = new StreamOpening(ctx, chooser, answer, route.destination(), route.target());
        ctx.channel().config().setAutoRead(false);
        if (proxyProtocol) {
            opening.hold(ProxyProtocolHeader.of(ctx.channel()));
        }
        // The decoder hands on the ClientHello (and whatever followed) as a ByteBuf while it is removed.
        ctx.pipeline().remove(PipelineNames.SNI_HELLO);
        opening.start();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            if (opening != null) {
                opening.inputEnded();
            } // else the decoder answered it
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (opening == null) {
            LOG.debug("{} SNI frontend error before a route: {}", ctx.channel(), cause.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
