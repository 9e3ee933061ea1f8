package io.tunnel.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.tls.PeerIdentity;
import io.tunnel.core.tls.TlsFailureCause;
import io.tunnel.core.transport.FatalErrors;
import java.security.cert.X509Certificate;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Right after the frontend's {@code SslHandler}: a connection whose TLS handshake fails is counted
 * ({@code tunnel_server_tls_handshake_failures_total{port="frontend",cause=...}}), logged rate-limited and closed, and
 * the handlers after this one never hear of it: it never was a CONNECT, so it gets no access-log line. So is one whose
 * client certificate passed the trust manager but does not allow client authentication (a certificate without any
 * extended key usage: the JDK's trust manager refuses only a usage list without clientAuth). Where certificates are
 * optional ({@code --server-client-auth optional|none}), a client that presented none passes: it authenticates with
 * proxy credentials instead ({@link ProxyAuthenticator}). Leaves the pipeline once the handshake succeeded.
 */
final class FrontendTlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(FrontendTlsHandshakeHandler.class);

    private final HandshakeFailures failures;
    private final Predicate<ChannelHandlerContext> clientCertificateAllowed;
    private boolean failed;

    /** @param certificateRequired whether a client must have presented a certificate ({@code require}) */
    FrontendTlsHandshakeHandler(HandshakeFailures failures, boolean certificateRequired) {
        this(failures, ctx -> clientCertificateAllowed(ctx, certificateRequired));
    }

    /** @param clientCertificateAllowed whether the peer's certificate allows client authentication, after TLS */
    FrontendTlsHandshakeHandler(HandshakeFailures failures, Predicate<ChannelHandlerContext> clientCertificateAllowed) {
        this.failures = failures;
        this.clientCertificateAllowed = clientCertificateAllowed;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (!handshake.isSuccess()) {
                fail(ctx, TlsFailureCause.of(handshake.cause()), TlsFailureCause.summary(handshake.cause()));
            } else if (!clientCertificateAllowed.test(ctx)) {
                fail(ctx, TlsFailureCause.WRONG_EKU, TlsFailureCause.WRONG_EKU.words() + " [no clientAuth usage]");
            } else {
                ctx.fireUserEventTriggered(evt);
                ctx.pipeline().remove(this);
            }
        } else if (failed) {
            ReferenceCountUtil.release(evt); // the end of input of a connection that never was a CONNECT
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void fail(ChannelHandlerContext ctx, TlsFailureCause why, String summary) {
        failed = true;
        if (failures.tlsFailed(HandshakeFailures.FRONTEND, why)) {
            LOG.info("frontend connection from {} refused: TLS handshake failed: {}", ctx.channel().remoteAddress(),
                    summary);
        }
        ctx.close();
    }

    /** A certificate presented must allow client authentication; none at all only where none is required. */
    private static boolean clientCertificateAllowed(ChannelHandlerContext ctx, boolean certificateRequired) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        try {
            X509Certificate cert = PeerIdentity.peerCertificate(ssl.engine().getSession());
            return PeerIdentity.allowsClientAuth(cert);
        } catch (SSLPeerUnverifiedException e) {
            return !certificateRequired;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!failed) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (FatalErrors.report(ctx, cause)) {
            ctx.close();
            return;
        }
        // The TLS handshake has not completed (this handler is gone after it): a TLS error, or the connection failed.
        // Either way the failed handshake is reported, now or when the connection closes, and counted then.
        ctx.close();
    }
}
