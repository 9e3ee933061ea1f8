package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsInputEndHandler;
import java.time.Duration;

/**
 * The frontend's pipeline, built in one place for every listener that serves clients (drawn in {@link PipelineNames}):
 * TLS when the listener has a context, then the request handlers. Immutable, so one instance serves every channel of
 * a listener.
 */
@ChannelHandler.Sharable
final class FrontendPipeline extends ChannelInitializer<Channel> {
    private final SslContext ssl;
    private final HandshakeFailures handshakeFailures;
    private final Duration headerTimeout;
    private final AgentChooser chooser;
    private final AccessLog accessLog;

    /**
     * @param ssl               the frontend's TLS context, or {@code null} for a plaintext listener
     * @param handshakeFailures where failed TLS handshakes are counted (unused without TLS)
     * @param headerTimeout     time a client has for each request head
     */
    FrontendPipeline(SslContext ssl, HandshakeFailures handshakeFailures, Duration headerTimeout, AgentChooser chooser,
                     AccessLog accessLog) {
        this.ssl = ssl;
        this.handshakeFailures = handshakeFailures;
        this.headerTimeout = headerTimeout;
        this.chooser = chooser;
        this.accessLog = accessLog;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (ssl != null) {
            ch.pipeline().addLast(PipelineNames.SSL, TlsContexts.halfCloseHandler(ssl, ch.alloc(), null, 0))
                    .addLast(PipelineNames.TLS_HANDSHAKE, new FrontendTlsHandshakeHandler(handshakeFailures))
                    .addLast(PipelineNames.TLS_INPUT_END, new TlsInputEndHandler());
        }
        addRequestHandlers(ch.pipeline(), headerTimeout, chooser, new FrontendAnswer(ch, accessLog));
    }

    /** The handlers that read requests and serve them, after TLS if any. */
    static void addRequestHandlers(ChannelPipeline pipeline, Duration headerTimeout, AgentChooser chooser,
                                   FrontendAnswer answer) {
        pipeline.addLast(PipelineNames.FRONTEND_ENCODER, new FrontendResponseEncoder())
                .addLast(PipelineNames.CONNECT_DECODER, new FrontendRequestDecoder())
                .addLast(PipelineNames.CONNECT, new ConnectHandler(headerTimeout, chooser, answer));
    }
}
