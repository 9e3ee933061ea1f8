package io.tunnel.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.tls.TlsFailureCause;
import io.tunnel.core.transport.FatalErrors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Right after the frontend's {@code SslHandler}: a connection whose TLS handshake fails is counted
 * ({@code tunnel_server_tls_handshake_failures_total{port="frontend"}}), logged rate-limited and closed, and the
 * handlers after this one never hear of it: it never was a CONNECT, so it gets no access-log line. Leaves the pipeline
 * once the handshake succeeded.
 */
final class FrontendTlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(FrontendTlsHandshakeHandler.class);

    private final HandshakeFailures failures;
    private boolean failed;

    FrontendTlsHandshakeHandler(HandshakeFailures failures) {
        this.failures = failures;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake) {
            if (handshake.isSuccess()) {
                ctx.fireUserEventTriggered(evt);
                ctx.pipeline().remove(this);
            } else {
                fail(ctx, handshake.cause());
            }
        } else if (failed) {
            ReferenceCountUtil.release(evt); // the end of input of a connection that never was a CONNECT
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void fail(ChannelHandlerContext ctx, Throwable cause) {
        failed = true;
        TlsFailureCause why = TlsFailureCause.of(cause);
        if (failures.tlsFailed(HandshakeFailures.FRONTEND, why)) {
            LOG.info("frontend connection from {} refused: TLS handshake failed: {}", ctx.channel().remoteAddress(),
                    TlsFailureCause.summary(cause));
        }
        ctx.close();
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
