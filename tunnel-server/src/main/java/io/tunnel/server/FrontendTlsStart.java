package io.tunnel.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsFailureCause;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * First on a TLS frontend connection: its TLS starts with the client's first byte. Only then does the connection take
 * one of the {@link ConnectionCaps}' handshake slots (none free: closed) and get its {@link SslHandler}, which replaces
 * this handler, so an idle connection holds neither a slot nor a TLS engine. The handshake timeout counts from the
 * connection's start: this handler bounds the wait for the first byte, the {@code SslHandler} the rest.
 *
 * <p>A connection that ends or times out before its first byte is a failed handshake like any other
 * ({@code tunnel_server_tls_handshake_failures_total{port="frontend",cause="closed"|"timeout"}}, logged rate-limited);
 * the handlers after this one never hear of it, and nothing they write reaches the socket in plaintext.
 */
final class FrontendTlsStart extends ChannelDuplexHandler {
    private static final Logger LOG = LogManager.getLogger(FrontendTlsStart.class);

    private final SslContext context;
    private final ConnectionCaps caps;
    private final HandshakeFailures failures;
    private long deadlineNanos;
    private ScheduledFuture<?> timeout;
    /** The connection ended, or was closed here, before its first byte. */
    private boolean ended;

    FrontendTlsStart(SslContext context, ConnectionCaps caps, HandshakeFailures failures) {
        this.context = context;
        this.caps = caps;
        this.failures = failures;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long millis = caps.handshakeTimeoutMillis();
        deadlineNanos = ctx.executor().ticker().nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        timeout = ctx.executor().schedule(() -> fail(ctx, TlsFailureCause.TIMEOUT), millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timeout.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ended) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!caps.startHandshake(ctx.channel())) {
            ended = true;
            ReferenceCountUtil.release(msg);
            return;
        }
        SslHandler ssl = TlsContexts.halfCloseHandler(context, ctx.alloc(), null, 0);
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - ctx.executor().ticker().nanoTime());
        ssl.setHandshakeTimeoutMillis(Math.max(1, left));
        // Completes however the handshake ends: success, failure, timeout or the connection's close.
        ssl.handshakeFuture().addListener(done -> caps.handshakeEnded());
        ctx.pipeline().replace(this, PipelineNames.SSL, ssl);
        ctx.fireChannelRead(msg); // this context now leads to the SslHandler
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // No byte was read (an end of input, say): nothing for the handlers after this one.
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            fail(ctx, TlsFailureCause.CLOSED);
        } else if (evt != ChannelInputShutdownReadComplete.INSTANCE) {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ended) {
            count(ctx, TlsFailureCause.CLOSED);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // An I/O error before the first byte (a reset): counted as closed when the channel goes.
        ctx.close();
    }

    /** Before TLS there is nothing the client may read: a refusal from the handlers after this one is dropped. */
    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ReferenceCountUtil.release(msg);
        promise.setFailure(new IllegalStateException("no TLS session yet"));
    }

    private void fail(ChannelHandlerContext ctx, TlsFailureCause why) {
        if (!ended) {
            count(ctx, why);
            ctx.close();
        }
    }

    private void count(ChannelHandlerContext ctx, TlsFailureCause why) {
        ended = true;
        if (failures.tlsFailed(HandshakeFailures.FRONTEND, why)) {
            LOG.info("frontend connection from {} refused: TLS handshake failed: {} [before its first byte]",
                    ctx.channel().remoteAddress(), why.words());
        }
    }
}
