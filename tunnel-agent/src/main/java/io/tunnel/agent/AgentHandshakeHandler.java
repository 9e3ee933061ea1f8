package io.tunnel.agent;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.log.RateLimitedLog;
import io.tunnel.core.link.LinkHandshakeHandler;
import io.tunnel.core.link.TunnelLink;
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
 * Opens the agent's link: after TLS, sends HELLO and waits for HELLO_ACK, then installs the
 * {@link AgentLinkHandler} and removes itself. A GOAWAY instead (e.g. version mismatch) is logged and ends the
 * attempt; so does silence past the handshake timeout. Failures are logged rate-limited ({@link #newFailureLog}):
 * an agent that retries often must not fill its log with the same line.
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
    private final StreamDialer dialer;
    private final AgentLinks agent;
    private final RateLimitedLog<Failure> failures;
    private long helloSentNanos;
    private boolean failed;

    AgentHandshakeHandler(AgentConfig config, StreamDialer dialer, AgentLinks agent,
                          RateLimitedLog<Failure> failures) {
        this.config = config;
        this.dialer = dialer;
        this.agent = agent;
        this.failures = failures;
    }

    /** The log of handshake failures one agent shares between its link attempts. */
    static RateLimitedLog<Failure> newFailureLog() {
        return new RateLimitedLog<>(LOG, Level.WARN, Failure.class, LOG_INTERVAL);
    }

    @Override
    protected void handshakeTimedOut(ChannelHandlerContext ctx) {
        if (!failed && failures.admit(Failure.TIMEOUT)) {
            LOG.warn("no handshake with {} within {} ms, closing", ctx.channel().remoteAddress(),
                    LinkConstants.HANDSHAKE_TIMEOUT_MILLIS);
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
                    LOG.warn("TLS handshake with {}:{} failed: {}", config.serverHost(), config.serverPort(),
                            TlsFailureCause.summary(handshake.cause()));
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
            TunnelLink link = new TunnelLink(ctx.channel(), config.serverHost() + ':' + config.serverPort(),
                    config.linkSettings(), ack.settings(), agent);
            link.recordRtt(ctx.executor().ticker().nanoTime() - helloSentNanos); // a first sample, refined later
            ctx.pipeline().replace(this, PipelineNames.LINK, new AgentLinkHandler(link, dialer, config.maxStreams()));
            agent.linkEstablished(link);
            return;
        }
        failed = true;
        if (msg instanceof GoAwayFrame goAway) {
            if (failures.admit(Failure.REFUSED)) {
                LOG.error("server {}:{} refused the link: {} {}", config.serverHost(), config.serverPort(),
                        goAway.code(), goAway.reason());
            }
        } else if (failures.admit(Failure.UNEXPECTED)) {
            LOG.error("server {}:{} answered HELLO with {}, closing", config.serverHost(), config.serverPort(), msg);
        }
        ReferenceCountUtil.release(msg);
        ctx.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!FatalErrors.report(ctx, cause) && !failed && failures.admit(Failure.ERROR)) {
            LOG.warn("link to {}:{} failed during the handshake: {}", config.serverHost(), config.serverPort(),
                    TlsFailureCause.summary(cause));
        }
        failed = true;
        ctx.close();
    }
}
