package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.link.PipelineNames;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.tls.PeerIdentity;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The CONNECT handshake of one frontend connection: bounds the time to read the request head, answers refusals,
 * picks an agent, moves the connection onto that agent link's event loop and hands it to a stream on the link.
 * Removes itself once the stream opened.
 *
 * <p>Bytes that arrive after the request head are held here (the socket is no longer read) and passed to the
 * stream only if the dial succeeds; after a refusal they are dropped with the connection, never interpreted.
 */
public final class ConnectHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(ConnectHandler.class);

    private final ServerConfig config;
    private final AgentRegistry registry;
    private final AccessLog accessLog;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> headTimeout;
    private ConnectRequest request;
    private ByteBuf early;
    private boolean earlyEof;
    private boolean answered;
    private boolean refused;

    ConnectHandler(ServerConfig config, AgentRegistry registry, AccessLog accessLog) {
        this.config = config;
        this.registry = registry;
        this.accessLog = accessLog;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headTimeout = ctx.executor().schedule(this::headTimedOut, config.headerTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelHeadTimeout();
        if (early != null) {
            early.release();
            early = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ConnectRequest connect) {
            onRequest(ctx, connect);
        } else if (msg instanceof ConnectRejection rejection) {
            refuse(rejection.response(), "-", rejection.reason());
        } else if (msg instanceof ByteBuf buf && request != null && !answered) {
            holdEarly(buf);
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
        ServerLinkHandler link = registry.pick();
        if (link == null) {
            refuse(ProxyResponse.SERVICE_UNAVAILABLE, connect.authority(), "no agent connected");
            return;
        }
        LOG.debug("{} CONNECT {} via agent {}", ctx.channel(), connect.authority(), link.link().peerId());
        moveToLoopOf(link).addListener(moved -> {
            if (moved.isSuccess()) {
                link.link().eventLoop().execute(() -> link.openStream(ctx.channel(), connect, this));
            } else {
                // The target loop refused the channel (shutting down): its pipeline will never be torn down there.
                LOG.debug("{} could not join the loop of agent {}: {}", ctx.channel(), link.link().peerId(),
                        moved.cause().toString());
                if (early != null) {
                    early.release();
                    early = null;
                }
                ctx.channel().close();
            }
        });
    }

    /**
     * Re-registers this connection with the event loop of the agent link that will carry its stream, so every DATA
     * frame is relayed between the two sockets on one thread, without a task hand-off per frame. Listeners of the
     * returned future run on the loop the channel leaves, so a refused registration is still heard of.
     */
    private ChannelFuture moveToLoopOf(ServerLinkHandler link) {
        Channel channel = ctx.channel();
        EventLoop target = link.link().eventLoop();
        if (channel.eventLoop() == target) {
            return channel.newSucceededFuture();
        }
        // Notified on the loop the channel leaves, which still runs even if the target refuses the registration.
        ChannelPromise moved = new DefaultChannelPromise(channel, channel.eventLoop());
        channel.deregister().addListener(deregistered -> {
            if (deregistered.isSuccess()) {
                target.register(moved);
            } else {
                moved.setFailure(deregistered.cause());
            }
        });
        return moved;
    }

    private void holdEarly(ByteBuf buf) {
        if (early == null) {
            early = buf;
            return;
        }
        CompositeByteBuf composite;
        if (early instanceof CompositeByteBuf c) {
            composite = c;
        } else {
            composite = ctx.alloc().compositeBuffer();
            composite.addComponent(true, early);
            early = composite;
        }
        composite.addComponent(true, buf);
    }

    /**
     * The dial succeeded and 200 was written: pass on the held bytes, leave the pipeline, start relaying. Called on
     * the link's loop (the connection's loop too, since it moved there), and run after the link handler returns from
     * the frame that reported the dial.
     */
    void handOver(TunnelStream stream) {
        ctx.executor().execute(() -> {
            answered = true;
            if (early != null) {
                ByteBuf buf = early;
                early = null;
                ctx.fireChannelRead(buf);
                ctx.fireChannelReadComplete(); // ends the burst: the relay flushes the link
            }
            if (earlyEof) {
                ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            }
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            stream.enableReading();
        });
    }

    /** Sends a constant answer and closes the connection; safe from any thread. */
    void respondAndClose(ProxyResponse response) {
        ctx.executor().execute(() -> {
            if (answered) {
                return;
            }
            answered = true;
            if (ctx.channel().isActive()) {
                ctx.writeAndFlush(response.toBuffer()).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.close();
            }
        });
    }

    /** Logs and sends the first refusal only (e.g. a malformed request, then the client's FIN). */
    private void refuse(ProxyResponse response, String target, String reason) {
        if (refused) {
            return;
        }
        refused = true;
        accessLog.refused(ctx.channel().remoteAddress(), target, response, reason);
        respondAndClose(response);
    }

    private void headTimedOut() {
        if (request == null) {
            refuse(ProxyResponse.REQUEST_TIMEOUT, "-", "request head not complete within "
                    + config.headerTimeout().toMillis() + " ms");
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
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess() && !clientCertificateAllowed(ctx)) {
                refuse(ProxyResponse.BAD_REQUEST, "-", "client certificate without clientAuth usage");
            }
        } else if (evt == ChannelInputShutdownEvent.INSTANCE) { // a FIN, or a TLS close_notify (TlsInputEndHandler)
            if (request == null) {
                refuse(ProxyResponse.BAD_REQUEST, "-", "connection closed before the request head ended");
            } else {
                earlyEof = true;
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static boolean clientCertificateAllowed(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        try {
            X509Certificate cert = PeerIdentity.peerCertificate(ssl.engine().getSession());
            return PeerIdentity.allowsClientAuth(cert);
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
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
