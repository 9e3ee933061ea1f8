package io.tunnel.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.Future;

/**
 * Between the request decoder and the CONNECT handler of a frontend connection: has the {@link ProxyAuthenticator}
 * say who sent the request head before an agent is chosen for it. A refused request gets its answer here ({@code 407}
 * with the challenge, {@code 429} for a source that failed too often, {@code 503} when too many password checks
 * wait) and never reaches the CONNECT handler; an accepted one is passed on with the client's identity given to the
 * connection's {@link FrontendAnswer} (its access-log lines name it), and this handler leaves the pipeline.
 *
 * <p>A password check runs off the event loop: meanwhile the socket is not read, and an end of input that arrived with
 * the head is held and passed on after the request, in the order it came. The CONNECT handler's header timeout bounds
 * the check too.
 */
final class ProxyAuthHandler extends ChannelInboundHandlerAdapter {
    private final ProxyAuthenticator authenticator;
    private final FrontendAnswer answer;
    private boolean checking;
    private boolean inputEnded;

    ProxyAuthHandler(ProxyAuthenticator authenticator, FrontendAnswer answer) {
        this.authenticator = authenticator;
        this.answer = answer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ConnectRequest request && !checking) {
            checking = true;
            ctx.channel().config().setAutoRead(false);
            Future<ProxyAuthOutcome> outcome = authenticator.authenticate(ctx.channel(), request);
            if (outcome.isDone()) {
                decided(ctx, request, outcome.getNow());
            } else {
                outcome.addListener(done -> decided(ctx, request, outcome.getNow()));
            }
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** On the connection's loop: refuse, or pass the request on for an agent to be chosen. */
    private void decided(ChannelHandlerContext ctx, ConnectRequest request, ProxyAuthOutcome outcome) {
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            return; // the connection closed while its password was checked
        }
        if (!outcome.isAccepted()) {
            answer.refuse(outcome.refusal(), request.authority(), outcome.reason());
            return;
        }
        answer.identify(outcome.identity());
        ctx.pipeline().remove(this); // its context still leads to the CONNECT handler
        ctx.fireChannelRead(request);
        if (inputEnded) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (checking && evt == ChannelInputShutdownEvent.INSTANCE) {
            inputEnded = true; // after the request, once it passed
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
