package io.tunnel.agent;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkHandshakeHandler;
import io.tunnel.core.link.StreamListener;
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
 * {@link AgentLinkHandler} (with the server's id and count from HELLO_ACK), reports it established and removes itself.
 * A GOAWAY instead (e.g. version mismatch) is logged and ends the attempt; so does silence past the handshake timeout.
 */
final class AgentHandshakeHandler extends LinkHandshakeHandler {
    private static final Logger LOG = LogManager.getLogger(AgentHandshakeHandler.class);

    private final AgentConfig config;
    private final ServerAddress server;
    private final StreamDialer dialer;
    private final StreamListener streams;
    private final AgentLinks events;
    private long helloSentNanos;

    /**
     * @param server  the address dialled
     * @param streams told when each stream of the link ends
     * @param events  told when the link is established and when its server goes away
     */
    AgentHandshakeHandler(AgentConfig config, ServerAddress server, StreamDialer dialer, StreamListener streams,
                          AgentLinks events) {
        this.config = config;
        this.server = server;
        this.dialer = dialer;
        this.streams = streams;
        this.events = events;
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
                ctx.writeAndFlush(new HelloFrame(ProtocolConstants.VERSION, config.linkSettings()));
            } else {
                LOG.warn("TLS handshake with {} failed: {}", server, handshake.cause().toString());
                ctx.close();
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HelloAckFrame ack && ack.version() == ProtocolConstants.VERSION) {
            ctx.pipeline().get(TunnelFrameDecoder.class).setMaxFrameSize(config.linkSettings().maxFrameSize());
            String serverId = ack.serverId();
            TunnelLink link = new TunnelLink(ctx.channel(), serverId.isEmpty() ? server.toString() : serverId,
                    config.linkSettings(), ack.settings(), streams);
            link.recordRtt(ctx.executor().ticker().nanoTime() - helloSentNanos); // a first sample, refined later
            AgentLinkHandler handler = new AgentLinkHandler(link, dialer, config.maxStreams(), serverId,
                    ack.serverCount(), events);
            ctx.pipeline().replace(this, PipelineNames.LINK, handler);
            events.established(handler);
            return;
        }
        if (msg instanceof GoAwayFrame goAway) {
            LOG.error("server {} refused the link: {} {}", server, goAway.code(), goAway.reason());
        } else {
            LOG.error("server {} answered HELLO with {}, closing", server, msg);
        }
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.warn("link to {} failed during the handshake: {}", server, cause.toString());
        ctx.close();
    }
}
