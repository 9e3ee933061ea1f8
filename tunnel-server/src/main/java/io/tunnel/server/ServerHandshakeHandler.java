package io.tunnel.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkHandshakeHandler;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.PeerIdentity;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Admits an agent link: TLS must complete with a client certificate allowed for client authentication, whose
 * SAN URI {@code urn:tunnel:agent:<id>} (else CN) names the agent; then the agent's HELLO must come first, with
 * this server's protocol version. Answers HELLO_ACK, installs the {@link ServerLinkHandler} and removes itself.
 * Anything else, or nothing within the handshake timeout, closes the connection.
 */
final class ServerHandshakeHandler extends LinkHandshakeHandler {
    private static final Logger LOG = LogManager.getLogger(ServerHandshakeHandler.class);

    private final ServerConfig config;
    private final AgentRegistry registry;
    private final AccessLog accessLog;
    private final Function<ChannelHandlerContext, Optional<String>> identify;
    private String agentId;

    ServerHandshakeHandler(ServerConfig config, AgentRegistry registry, AccessLog accessLog) {
        this(config, registry, accessLog, ServerHandshakeHandler::identify);
    }

    /** @param identify the agent id of the peer once TLS completed, empty if it may not be an agent */
    ServerHandshakeHandler(ServerConfig config, AgentRegistry registry, AccessLog accessLog,
                           Function<ChannelHandlerContext, Optional<String>> identify) {
        this.config = config;
        this.registry = registry;
        this.accessLog = accessLog;
        this.identify = identify;
    }

    @Override
    protected void handshakeTimedOut(ChannelHandlerContext ctx) {
        LOG.warn("agent connection {} from {}: no handshake within {} ms, closing",
                ctx.channel().id().asShortText(), ctx.channel().remoteAddress(),
                LinkConstants.HANDSHAKE_TIMEOUT_MILLIS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                LOG.warn("agent connection from {} refused: TLS handshake failed: {}", ctx.channel().remoteAddress(),
                        handshake.cause().toString());
                ctx.close();
                return;
            }
            Optional<String> id = identify.apply(ctx);
            if (id.isEmpty()) {
                LOG.warn("agent connection from {} refused: certificate lacks clientAuth usage or an agent id",
                        ctx.channel().remoteAddress());
                ctx.close();
                return;
            }
            agentId = id.get();
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static Optional<String> identify(ChannelHandlerContext ctx) {
        try {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            X509Certificate cert = PeerIdentity.peerCertificate(ssl.engine().getSession());
            return PeerIdentity.allowsClientAuth(cert) ? PeerIdentity.agentId(cert) : Optional.empty();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (agentId == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (!(msg instanceof HelloFrame hello)) {
            ReferenceCountUtil.release(msg);
            goAway(ctx, TunnelErrorCode.PROTOCOL_ERROR, "expected HELLO first");
            return;
        }
        if (hello.version() != ProtocolConstants.VERSION) {
            LOG.warn("agent {} from {} speaks protocol version {}, this server {}: refused", agentId,
                    ctx.channel().remoteAddress(), hello.version(), ProtocolConstants.VERSION);
            goAway(ctx, TunnelErrorCode.UNSUPPORTED_VERSION, "server speaks version " + ProtocolConstants.VERSION);
            return;
        }
        TunnelSettings local = config.linkSettings();
        ctx.writeAndFlush(HelloAckFrame.of(ProtocolConstants.VERSION, local, config.serverId(), config.serverCount()));
        ctx.pipeline().get(TunnelFrameDecoder.class).setMaxFrameSize(local.maxFrameSize());
        TunnelLink link = new TunnelLink(ctx.channel(), agentId, local, hello.settings(), accessLog);
        ServerLinkHandler handler = new ServerLinkHandler(link, config, registry, accessLog);
        ctx.pipeline().replace(this, PipelineNames.LINK, handler);
        registry.add(handler);
        LOG.info("agent {} connected from {} ({}), {} agent link(s) connected", agentId,
                ctx.channel().remoteAddress(), ctx.channel().id().asShortText(), registry.size());
    }

    private void goAway(ChannelHandlerContext ctx, TunnelErrorCode code, String reason) {
        ctx.writeAndFlush(new GoAwayFrame(0, code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("agent connection from {} closed during the handshake: {}", ctx.channel().remoteAddress(),
                cause.toString());
        ctx.close();
    }
}
