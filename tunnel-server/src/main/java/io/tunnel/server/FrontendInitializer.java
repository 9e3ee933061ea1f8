package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.tls.TlsInputEndHandler;
import java.time.Duration;
import java.util.function.Function;

/**
 * The pipeline of a frontend connection ({@link PipelineNames}), the same for every listener that serves CONNECT and
 * absolute-form requests: the TCP port (TLS or plaintext) and the Unix socket (plaintext). The connection caps are asked first; a connection above
 * one gets no handler at all.
 */
final class FrontendInitializer extends ChannelInitializer<Channel> {
    private final String listener;
    private final SslContext ssl;
    private final ConnectionCaps caps;
    private final HandshakeFailures handshakeFailures;
    private final Duration headerTimeout;
    private final Function<Channel, AgentChooser> chooser;
    private final AccessLog accessLog;
    private final ProxyAuthenticator authenticator;

    /**
     * @param listener the listener's name in the metrics ({@code frontend} or {@link ConnectionCaps#UDS})
     * @param ssl      the frontend's TLS, or {@code null} for plaintext
     * @param chooser  the agent chooser of a new connection
     */
    FrontendInitializer(String listener, SslContext ssl, ConnectionCaps caps, HandshakeFailures handshakeFailures,
                        Duration headerTimeout, Function<Channel, AgentChooser> chooser, AccessLog accessLog,
                        ProxyAuthenticator authenticator) {
        this.listener = listener;
        this.ssl = ssl;
        this.caps = caps;
        this.handshakeFailures = handshakeFailures;
        this.headerTimeout = headerTimeout;
        this.chooser = chooser;
        this.accessLog = accessLog;
        this.authenticator = authenticator;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (!caps.admitFrontend(ch, listener, ssl == null)) {
            return;
        }
        FrontendAnswer answer = new FrontendAnswer(ch, accessLog);
        if (ssl != null) {
            ch.pipeline().addLast(PipelineNames.TLS_START, new FrontendTlsStart(ssl, caps, handshakeFailures))
                    .addLast(PipelineNames.TLS_HANDSHAKE, new FrontendTlsHandshakeHandler(handshakeFailures,
                            authenticator.certificateRequired()))
                    .addLast(PipelineNames.TLS_INPUT_END, new TlsInputEndHandler());
        }
        addRequestHandlers(ch.pipeline(), headerTimeout, chooser.apply(ch), authenticator, answer);
    }

    /** The handlers that read requests (CONNECT and absolute-form) and serve them, after TLS if any. */
    static void addRequestHandlers(ChannelPipeline pipeline, Duration headerTimeout, AgentChooser chooser,
                                   ProxyAuthenticator authenticator, FrontendAnswer answer) {
        pipeline.addLast(PipelineNames.CONNECT_DECODER, new FrontendRequestDecoder())
                .addLast(PipelineNames.PROXY_AUTH, new ProxyAuthHandler(authenticator, answer))
                .addLast(PipelineNames.CONNECT, new ConnectHandler(headerTimeout, chooser, answer));
    }
}
