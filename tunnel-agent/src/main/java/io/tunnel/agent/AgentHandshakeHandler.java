package io.tunnel.agent;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkHandshakeHandler;
import io.tunnel.core.link.StreamListener;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.log.RateLimitedLog;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.tls.TlsFailureCause;
import io.tunnel.core.transport.FatalErrors;
import java.time.Duration;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Opens the agent's link: after TLS, sends HELLO (with the agent's identifiers) and waits for HELLO_ACK, then installs
 * the {@link AgentLinkHandler} (with the server's id and count from HELLO_ACK), reports it established and removes
 * itself. A GOAWAY instead (e.g. version mismatch) is logged and ends the attempt; so does silence past the handshake
 * timeout. Failures are logged rate-limited ({@link #newFailureLog}): an agent that retries often must not fill its
 * log with the same line.
 */
final class AgentHandshakeHandler extends LinkHandshakeHandler {
    private static final Logger LOG = LogManager.getLogger(AgentHandshakeHandler.class);
    /** One full line per cause in this interval; the rest are counted in a summary line. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(60);

    /** Why a link attempt failed. */
    enum Failure {
        TLS("failed TLS handshakes with the server"),
        REFUSED("links the server refused"),
        UNEXPECTED("links the server answered with something other than HELLO_ACK"),
        ERROR("links failed by an error during the handshake"),
        TIMEOUT("links without a handshake in time");

        private final String description;

        Failure(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final AgentConfig config;
    private final ServerAddress server;
    private final StreamDialer dialer;
    private final StreamListener streams;
    private final AgentLinks events;
    private final RateLimitedLog<Failure> failures;
    private long helloSentNanos;
    private boolean failed;

    /**
     * @param server   the address dialled
     * @param streams  told when each stream of the link ends
     * @param events   told when the link is established and when its server goes away
     * @param failures the log of failed attempts, shared by all of the agent's attempts
     */
    AgentHandshakeHandler(AgentConfig config, ServerAddress server, StreamDialer dialer, StreamListener streams,
                          AgentLinks events, RateLimitedLog<Failure> failures) {
        this.config = config;
        this.server = server;
        this.dialer = dialer;
        this.streams = streams;
        this.events = events;
        this.failures = failures;
    }

    /** The log of handshake failures one agent shares between its link attempts. */
    static RateLimitedLog<Failure> newFailureLog() {
        return new RateLimitedLog<>(LOG, Level.WARN, Failure.class, LOG_INTERVAL);
    }

    @Override
    protected void handshakeTimedOut(ChannelHandlerContext ctx) {
        if (!failed && failures.admit(Failure.TIMEOUT)) {
            LOG.warn("no handshake with {} within {} ms, closing", server, LinkConstants.HANDSHAKE_TIMEOUT_MILLIS);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                helloSentNanos = ctx.executor().ticker().nanoTime();
                ctx.writeAndFlush(new HelloFrame(ProtocolConstants.VERSION, config.linkSettings(),
                        config.identifiers().format()));
            } else {
                failed = true;
                if (failures.admit(Failure.TLS)) {
                    LOG.warn("TLS handshake with {} failed: {}", server, TlsFailureCause.summary(handshake.cause()));
                }
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
        failed = true;
        if (msg instanceof GoAwayFrame goAway) {
            if (failures.admit(Failure.REFUSED)) {
                LOG.error("server {} refused the link: {} {}", server, goAway.code(), goAway.reason());
            }
        } else if (failures.admit(Failure.UNEXPECTED)) {
            LOG.error("server {} answered HELLO with {}, closing", server, msg);
        }
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!FatalErrors.report(ctx, cause) && !failed && failures.admit(Failure.ERROR)) {
            LOG.warn("link to {} failed during the handshake: {}", server, TlsFailureCause.summary(cause));
        }
        failed = true;
        ctx.close();
    }
}
