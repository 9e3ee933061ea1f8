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
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.PeerIdentity;
import io.tunnel.core.tls.TlsFailureCause;
import io.tunnel.core.transport.FatalErrors;
import io.tunnel.server.HandshakeFailures.AgentRefusal;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Admits an agent link: TLS must complete with a client certificate allowed for client authentication, whose
 * SAN URI {@code urn:tunnel:agent:<id>} (else CN) names the agent; then the agent's HELLO must come first, with
 * this server's protocol version. Its attributes are the agent's identifiers (identifiers that do not parse are
 * logged and the link has none), less the claims the {@link AgentClaims} refuse (logged). The link joins the
 * {@link AgentRegistry}, unless its agent id is linked already and replicas are not allowed: then GOAWAY refuses it.
 * Answers HELLO_ACK, installs the {@link ServerLinkHandler} and removes itself. Anything else, or nothing within the
 * handshake timeout, closes the connection. Refusals are counted and logged rate-limited ({@link HandshakeFailures}):
 * anyone who reaches the port can cause them.
 */
final class ServerHandshakeHandler extends LinkHandshakeHandler {
    private static final Logger LOG = LogManager.getLogger(ServerHandshakeHandler.class);

    private final ServerConfig config;
    private final AgentRegistry registry;
    private final AccessLog accessLog;
    private final HandshakeFailures failures;
    private final Function<ChannelHandlerContext, Optional<String>> identify;
    private String agentId;
    private boolean refused;

    ServerHandshakeHandler(ServerConfig config, AgentRegistry registry, AccessLog accessLog,
                           HandshakeFailures failures) {
        this(config, registry, accessLog, failures, ServerHandshakeHandler::identify);
    }

    /** @param identify the agent id of the peer once TLS completed, empty if it may not be an agent */
    ServerHandshakeHandler(ServerConfig config, AgentRegistry registry, AccessLog accessLog,
                           HandshakeFailures failures, Function<ChannelHandlerContext, Optional<String>> identify) {
        this.config = config;
        this.registry = registry;
        this.accessLog = accessLog;
        this.failures = failures;
        this.identify = identify;
    }

    @Override
    protected void handshakeTimedOut(ChannelHandlerContext ctx) {
        if (!refused && failures.agentRefused(AgentRefusal.TIMEOUT)) {
            LOG.warn("agent connection {} from {}: no handshake within {} ms, closing",
                    ctx.channel().id().asShortText(), ctx.channel().remoteAddress(),
                    LinkConstants.HANDSHAKE_TIMEOUT_MILLIS);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                refused = true;
                if (failures.tlsFailed(HandshakeFailures.AGENT, TlsFailureCause.of(handshake.cause()))) {
                    LOG.warn("agent connection from {} refused: TLS handshake failed: {}",
                            ctx.channel().remoteAddress(), TlsFailureCause.summary(handshake.cause()));
                }
                ctx.close();
                return;
            }
            Optional<String> id = identify.apply(ctx);
            if (id.isEmpty()) {
                refused = true;
                if (failures.agentRefused(AgentRefusal.CERTIFICATE)) {
                    LOG.warn("agent connection from {} refused: certificate lacks clientAuth usage or an agent id",
                            ctx.channel().remoteAddress());
                }
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
        if (agentId == null || refused) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (!(msg instanceof HelloFrame hello)) {
            refused = true;
            ReferenceCountUtil.release(msg);
            if (failures.agentRefused(AgentRefusal.NO_HELLO)) {
                LOG.warn("agent {} from {} refused: first frame is not HELLO", agentId,
                        ctx.channel().remoteAddress());
            }
            goAway(ctx, TunnelErrorCode.PROTOCOL_ERROR, "expected HELLO first");
            return;
        }
        if (hello.version() != ProtocolConstants.VERSION) {
            refused = true;
            if (failures.agentRefused(AgentRefusal.VERSION)) {
                LOG.warn("agent {} from {} speaks protocol version {}, this server {}: refused", agentId,
                        ctx.channel().remoteAddress(), hello.version(), ProtocolConstants.VERSION);
            }
            goAway(ctx, TunnelErrorCode.UNSUPPORTED_VERSION, "server speaks version " + ProtocolConstants.VERSION);
            return;
        }
        TunnelSettings local = config.linkSettings();
        AgentIdentifiers identifiers = identifiers(ctx, hello.attributes());
        TunnelLink link = new TunnelLink(ctx.channel(), agentId, local, hello.settings(), accessLog);
        ServerLinkHandler handler = new ServerLinkHandler(link, config, registry, accessLog, identifiers);
        // Joins before the link works: the router may pick it now, but its openStream runs on this loop, after this.
        ServerLinkHandler linked = registry.add(handler, config.routing().agentReplicas());
        if (linked != null) {
            LOG.warn("agent {} from {} refused: already linked from {} (link {}); --agent-replicas allows several "
                    + "links per agent", agentId, ctx.channel().remoteAddress(), linked.remoteAddress(),
                    linked.linkId());
            goAway(ctx, TunnelErrorCode.CANCEL, "agent id already linked to this server");
            return;
        }
        ctx.writeAndFlush(HelloAckFrame.of(ProtocolConstants.VERSION, local, config.serverId(), config.serverCount()));
        ctx.pipeline().get(TunnelFrameDecoder.class).setMaxFrameSize(local.maxFrameSize());
        ctx.pipeline().replace(this, PipelineNames.LINK, handler);
        LOG.info("agent {} connected from {} ({}), identifiers \"{}\", {} agent link(s) connected", agentId,
                ctx.channel().remoteAddress(), ctx.channel().id().asShortText(), identifiers, registry.size());
    }

    /** The identifiers the link is routed by: what HELLO claims, as far as it parses and the claims file allows. */
    private AgentIdentifiers identifiers(ChannelHandlerContext ctx, String attributes) {
        AgentIdentifiers claimed;
        try {
            claimed = AgentIdentifiers.parseHello(attributes);
        } catch (IllegalArgumentException e) {
            LOG.warn("agent {} from {}: identifiers not understood ({}), linked without identifiers", agentId,
                    ctx.channel().remoteAddress(), e.getMessage());
            return AgentIdentifiers.NONE;
        }
        AgentClaims.Restriction restriction = config.routing().claims().restrict(agentId, claimed);
        if (!restriction.refused().isEmpty()) {
            LOG.warn("agent {} from {}: claims not allowed by --agent-claims-file dropped: \"{}\"", agentId,
                    ctx.channel().remoteAddress(), restriction.refused());
        }
        return restriction.kept();
    }

    private void goAway(ChannelHandlerContext ctx, TunnelErrorCode code, String reason) {
        ctx.writeAndFlush(new GoAwayFrame(0, code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!FatalErrors.report(ctx, cause) && !refused && agentId != null
                && failures.agentRefused(AgentRefusal.ERROR)) {
            // Before TLS completed, the failed handshake is reported and counted on its own (it follows the error).
            LOG.warn("agent connection from {} closed during the handshake: {}", ctx.channel().remoteAddress(),
                    cause.toString());
        }
        ctx.close();
    }
}
