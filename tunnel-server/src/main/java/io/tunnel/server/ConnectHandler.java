package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.transport.Transports;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The CONNECT exchange of one frontend connection, until its tunnel opens: bounds the time to read the request
 * head, has the {@link ProxyAuthenticator} say who sent it (or refuse it) before anything else, has the {@link
 * AgentChooser} pick a link, moves the connection onto that link's event loop and asks the link for a stream;
 * refusals go through the connection's {@link FrontendAnswer}. Bytes and an end of input that arrive after the head
 * wait in {@link EarlyBytes} (the socket is no longer read) and reach the stream only if the dial succeeds. Removes
 * itself once the stream opened.
 *
 * <p>A link that cannot dial for the connection after all (it became suspect, went away, lost the dial, or had no
 * room) asks {@link #anotherLink()} and {@link #dispatch}es the connection there: the client sees only the final
 * answer. Each link is tried once. The handler's state moves with the connection from loop to loop, one at a time.
 */
final class ConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ConnectHandler.class);

    private final Duration headerTimeout;
    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    private final ProxyAuthenticator authenticator;
    private final EarlyBytes early = new EarlyBytes();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> headTimeout;
    private ConnectRequest request;
    /** The links this connection was dispatched to, in order: never chosen for it again. */
    private final List<ServerLinkHandler> tried = new ArrayList<>(1);

    ConnectHandler(Duration headerTimeout, AgentChooser chooser, FrontendAnswer answer,
                   ProxyAuthenticator authenticator) {
        this.headerTimeout = headerTimeout;
        this.chooser = chooser;
        this.answer = answer;
        this.authenticator = authenticator;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headTimeout = ctx.executor().schedule(this::headTimedOut, headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelHeadTimeout();
        early.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ConnectRequest connect) {
            onRequest(ctx, connect);
        } else if (msg instanceof ConnectRejection rejection) {
            answer.refuse(rejection.response(), "-", rejection.reason());
        } else if (msg instanceof ByteBuf buf && request != null && !answer.isAnswered()) {
            early.hold(buf, ctx.alloc());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(ChannelHandlerContext ctx, ConnectRequest connect) {
        cancelHeadTimeout();
        request = connect;
        ctx.channel().config().setAutoRead(false);
        // The decoder's leftover (pipelined bytes) arrives here as a ByteBuf while it is removed.
        ctx.pipeline().remove(PipelineNames.CONNECT_DECODER);
        Future<ProxyAuthOutcome> authenticated = authenticator.authenticate(ctx.channel(), connect);
        authenticated.addListener(done -> authenticated(authenticated.getNow()));
    }

    /** Authentication ended, on the connection's loop: refuse, or choose a link for who the client is. */
    private void authenticated(ProxyAuthOutcome outcome) {
        if (ctx.isRemoved()) {
            return; // the connection closed while its password was checked
        }
        if (!outcome.isAccepted()) {
            answer.refuse(outcome.refusal(), request.authority(), outcome.reason());
            return;
        }
        answer.identify(outcome.identity());
        AgentChoice choice = chooser.choose(request, tried);
        if (!choice.found()) {
            answer.refuse(ProxyResponse.SERVICE_UNAVAILABLE, request.authority(), choice.refusal());
            return;
        }
        dispatch(choice);
    }

    /**
     * Another link for this connection, besides those tried; a refusal if there is none. On the loop the connection is
     * on (the link's it was last given).
     */
    AgentChoice anotherLink() {
        return chooser.choose(request, tried);
    }

    /** Moves the connection onto the chosen link's loop and has the link open its stream there. */
    void dispatch(AgentChoice choice) {
        ServerLinkHandler link = choice.link();
        LOG.debug("{} CONNECT {} via agent {} link {} ({}{})", ctx.channel(), request.authority(), link.agentId(),
                link.linkId(), choice.strategy(), tried.isEmpty() ? "" : ", after " + tried.size() + " link(s) failed");
        tried.add(link);
        Transports.moveTo(ctx.channel(), link.link().eventLoop()).addListener(moved -> {
            if (moved.isSuccess()) {
                link.link().eventLoop().execute(() -> link.openStream(ctx.channel(), request, choice.strategy(), this,
                        answer));
            } else {
                // The target loop refused the channel (shutting down): its pipeline will never be torn down there.
                LOG.debug("{} could not join the loop of agent {}: {}", ctx.channel(), link.link().peerId(),
                        moved.cause().toString());
                early.release();
                ctx.channel().close();
            }
        });
    }

    /**
     * The dial succeeded and 200 was written: pass on the held bytes, leave the pipeline, start relaying. Called on
     * the link's loop (the connection's loop too, since it moved there), and run after the link handler returns from
     * the frame that reported the dial.
     */
    void handOver(TunnelStream stream) {
        ctx.executor().execute(() -> {
            early.fireTo(ctx);
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            stream.enableReading();
        });
    }

    private void headTimedOut() {
        if (request == null) {
            answer.refuse(ProxyResponse.REQUEST_TIMEOUT, "-", "request head not complete within "
                    + headerTimeout.toMillis() + " ms");
        }
    }

    private void cancelHeadTimeout() {
        if (headTimeout != null) {
            headTimeout.cancel(false);
            headTimeout = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) { // a FIN, or a TLS close_notify (TlsInputEndHandler)
            if (request == null) {
                answer.refuse(ProxyResponse.BAD_REQUEST, "-", "connection closed before the request head ended");
            } else {
                early.inputEnded();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (request == null) {
            LOG.debug("{} frontend error before the request: {}", ctx.channel(), cause.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
