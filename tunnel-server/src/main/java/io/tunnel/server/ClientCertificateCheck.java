package io.tunnel.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tunnel.core.tls.PeerIdentity;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * On the mTLS frontend, right after TLS: a client certificate that chains to the CA but does not allow client
 * authentication (extended key usage) is refused with {@code 400}; the handler leaves the pipeline once the handshake
 * is judged.
 */
final class ClientCertificateCheck extends ChannelInboundHandlerAdapter {
    private final FrontendAnswer answer;

    ClientCertificateCheck(FrontendAnswer answer) {
        this.answer = answer;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess() && !allowsClientAuth(ctx)) {
                answer.refuse(ProxyResponse.BAD_REQUEST, "-", "client certificate without clientAuth usage");
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static boolean allowsClientAuth(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        try {
            X509Certificate cert = PeerIdentity.peerCertificate(ssl.engine().getSession());
            return PeerIdentity.allowsClientAuth(cert);
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
