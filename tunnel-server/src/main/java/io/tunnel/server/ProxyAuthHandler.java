package io.tunnel.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;

/**
 * Between the request decoder and the CONNECT handler of a frontend connection: has the {@link ProxyAuthenticator}
 * say who sent the request head before an agent is chosen for it. A refused request gets its answer here ({@code 407}
 * with the challenge, {@code 429} for a source that failed too often, {@code 503} when too many password checks
 * wait) and never reaches the CONNECT handler; an accepted one is passed on with the client's identity given to the
 * connection's {@link FrontendAnswer} (its access-log lines name it), and this handler leaves the pipeline.
 *
 * <p>Requests of both forms are checked: a CONNECT and an absolute-form request ({@link ForwardRequest}); the client
 * is authenticated once per connection, by its first request. A password check runs off the event loop: meanwhile
 * the socket is not read, and what arrived with the head (a forwarded request's body, an end of input) is held and
 * passed on after the request, in the order it came. The CONNECT handler's header timeout bounds
 * the check too.
 */
final class ProxyAuthHandler extends ChannelInboundHandlerAdapter {
    private final ProxyAuthenticator authenticator;
    private final FrontendAnswer answer;
    /** What came after the request while it was checked (a forwarded request's body). */
    private final ArrayDeque<Object> held = new ArrayDeque<>();
    private boolean checking;
    private boolean inputEnded;

    ProxyAuthHandler(ProxyAuthenticator authenticator, FrontendAnswer answer) {
        this.authenticator = authenticator;
        this.answer = answer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (checking) {
            held.add(msg); // a forwarded request's body: after the request, once it passed
            return;
        }
        ConnectRequest request = msg instanceof ConnectRequest connect ? connect
                : msg instanceof ForwardRequest forward ? forward.connect() : null;
        if (request == null) {
            ctx.fireChannelRead(msg);
            return;
        }
        checking = true;
        ctx.channel().config().setAutoRead(false);
        Future<ProxyAuthOutcome> outcome = authenticator.authenticate(ctx.channel(), request);
        if (outcome.isDone()) {
            decided(ctx, msg, request, outcome.getNow());
        } else {
            outcome.addListener(done -> decided(ctx, msg, request, outcome.getNow()));
        }
    }

    /** On the connection's loop: refuse, or pass the request (and what followed it) on for an agent to be chosen. */
    private void decided(ChannelHandlerContext ctx, Object msg, ConnectRequest request, ProxyAuthOutcome outcome) {
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            return; // the connection closed while its password was checked; handlerRemoved releases what is held
        }
        if (!outcome.isAccepted()) {
            releaseHeld();
            if (msg instanceof ForwardRequest forward) {
                answer.refuseRequest(outcome.refusal(), forward.method(), forward.target().logTarget(),
                        outcome.reason());
            } else {
                answer.refuse(outcome.refusal(), request.authority(), outcome.reason());
            }
            return;
        }
        answer.identify(outcome.identity());
        // Passed on while this handler is still in place, so that each message finds the handler that serves it now
        // (the CONNECT handler hands a forwarded request to another); what arrives meanwhile (the decoder's leftover
        // as it leaves) joins the held messages, in order.
        ctx.fireChannelRead(msg);
        Object next;
        while ((next = held.poll()) != null) {
            ctx.fireChannelRead(next);
        }
        if (inputEnded) {
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (checking && evt == ChannelInputShutdownEvent.INSTANCE) {
            inputEnded = true; // after the request, once it passed
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
    }

    private void releaseHeld() {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
