package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import java.time.Duration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The CONNECT exchange of one frontend connection, until its tunnel opens: bounds the time to read the request
 * head, then has a {@link StreamOpening} choose a link and open the stream; refusals go through the connection's
 * {@link FrontendAnswer}. Bytes and an end of input that arrive after the head are held by the opening (the socket is
 * no longer read) and reach the stream only if the dial succeeds. Leaves the pipeline once the stream opened.
 *
 * <p>An absolute-form request ({@link ForwardRequest}) makes the connection an {@code http_proxy} one: this handler
 * gives its place to a {@link ForwardHandler}, which serves it and the requests that follow.
 */
final class ConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ConnectHandler.class);

    private final Duration headerTimeout;
    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    private final HeadTimer headTimer;
    private StreamOpening opening;

    ConnectHandler(Duration headerTimeout, AgentChooser chooser, FrontendAnswer answer) {
        this.headerTimeout = headerTimeout;
        this.chooser = chooser;
        this.answer = answer;
        this.headTimer = new HeadTimer(headerTimeout, this::headTimedOut);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        headTimer.arm(ctx.executor());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        headTimer.cancel();
        if (opening != null) {
            opening.release();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ConnectRequest connect) {
            onRequest(ctx, connect);
        } else if (msg instanceof ForwardRequest && opening == null) {
            headTimer.cancel();
            ctx.pipeline().replace(this, PipelineNames.FORWARD, new ForwardHandler(headerTimeout, chooser, answer));
            ctx.fireChannelRead(msg); // reaches the handler in this one's place
        } else if (msg instanceof ConnectRejection rejection) {
            answer.refuse(rejection.response(), "-", rejection.reason());
        } else if (msg instanceof ByteBuf buf && opening != null && !answer.isAnswered()) {
            opening.hold(buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, ConnectRequest connect) {
        headTimer.cancel();
        opening = new StreamOpening(ctx, chooser, answer, connect, connect.authority());
        ctx.channel().config().setAutoRead(false);
        // The decoder's leftover (pipelined bytes) arrives here as a ByteBuf while it is removed.
        ctx.pipeline().remove(PipelineNames.CONNECT_DECODER);
        opening.start();
    }

    private void headTimedOut() {
        if (opening == null) {
            answer.refuse(ProxyResponse.REQUEST_TIMEOUT, "-", "request head not complete within "
                    + headTimer.millis() + " ms");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) { // a FIN, or a TLS close_notify (TlsInputEndHandler)
            if (opening == null) {
                answer.refuse(ProxyResponse.BAD_REQUEST, "-", "connection closed before the request head ended");
            } else {
                opening.inputEnded();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (opening == null) {
            LOG.debug("{} frontend error before the request: {}", ctx.channel(), cause.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
