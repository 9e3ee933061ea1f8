package io.tunnel.agent;

import io.netty.channel.ChannelHandlerContext;
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
import io.tunnel.core.protocol.TunnelFrameDecoder;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Opens the agent's link: after TLS, sends HELLO and waits for HELLO_ACK, then installs the
 * {@link AgentLinkHandler} and removes itself. A GOAWAY instead (e.g. version mismatch) is logged and ends the
 * attempt; so does silence past the handshake timeout.
 */
final class AgentHandshakeHandler extends LinkHandshakeHandler {
    private static final Logger LOG = LogManager.getLogger(AgentHandshakeHandler.class);

    private final AgentConfig config;
    private final StreamDialer dialer;
    private final AgentLinks agent;
    private long helloSentNanos;

    AgentHandshakeHandler(AgentConfig config, StreamDialer dialer, AgentLinks agent) {
        this.config = config;
        this.dialer = dialer;
        this.agent = agent;
    }

    @Override
    protected void handshakeTimedOut(ChannelHandlerContext ctx) {
        LOG.warn("no handshake with {} within {} ms, closing", ctx.channel().remoteAddress(),
                LinkConstants.HANDSHAKE_TIMEOUT_MILLIS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                helloSentNanos = ctx.executor().ticker().nanoTime();
                ctx.writeAndFlush(new HelloFrame(ProtocolConstants.VERSION, config.linkSettings(),
                        config.identifiers().format()));
            } else {
                LOG.warn("TLS handshake with {}:{} failed: {}", config.serverHost(), config.serverPort(),
                        handshake.cause().toString());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HelloAckFrame ack && ack.version() == ProtocolConstants.VERSION) {
            ctx.pipeline().get(TunnelFrameDecoder.class).setMaxFrameSize(config.linkSettings().maxFrameSize());
            TunnelLink link = new TunnelLink(ctx.channel(), config.serverHost() + ':' + config.serverPort(),
                    config.linkSettings(), ack.settings(), agent);
            link.recordRtt(ctx.executor().ticker().nanoTime() - helloSentNanos); // a first sample, refined later
            ctx.pipeline().replace(this, PipelineNames.LINK, new AgentLinkHandler(link, dialer, config.maxStreams()));
            agent.linkEstablished(link);
            return;
        }
        if (msg instanceof GoAwayFrame goAway) {
            LOG.error("server {}:{} refused the link: {} {}", config.serverHost(), config.serverPort(),
                    goAway.code(), goAway.reason());
        } else {
            LOG.error("server {}:{} answered HELLO with {}, closing", config.serverHost(), config.serverPort(), msg);
        }
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("link to {}:{} failed during the handshake: {}", config.serverHost(), config.serverPort(),
                cause.toString());
        ctx.close();
    }
}
