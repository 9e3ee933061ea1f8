package io.tunnel.client;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The CONNECT exchange on a new channel to the proxy, in the manner of Netty's {@code ProxyHandler}: sends
 * {@code CONNECT host:port}, bounds the wait with a timeout, reads the answer from the {@link ProxyResponseDecoder}
 * and then leaves the pipeline, completing the dial promise with the channel or with a {@link TunnelException}.
 *
 * <p>Timeouts: with TLS, the handshake must complete within what is left of the connect timeout (or, on a caller's
 * bootstrap, within its {@code SslHandler}'s own handshake timeout: {@link #NO_TLS_DEADLINE}); the answer to CONNECT
 * must then arrive within the dial timeout. The established channel has no timeout.
 *
 * <p>Writes are not buffered here: the channel reaches its user only through the promise, after this handler has
 * gone. On success the decoder is removed first: the bytes it holds behind the head pass through here to the
 * {@link HandoverHandler}, which keeps them (and any end of input) until the user's first read.
 */
final class ConnectHandshakeHandler extends ChannelInboundHandlerAdapter {
    /** A TLS deadline that leaves the bound of the handshake to the {@code SslHandler}'s handshake timeout. */
    static final long NO_TLS_DEADLINE = Long.MAX_VALUE;

    private enum State { CONNECTING, HANDSHAKING_TLS, AWAITING_ANSWER, ESTABLISHED, FAILED }

    private final String target;
    private final String proxy;
    private final boolean tls;
    private final long connectDeadlineNanos;
    private final long dialTimeoutMillis;
    private final boolean allowHalfClosure;
    private final Promise<Channel> promise;
    private State state = State.CONNECTING;
    private ScheduledFuture<?> timeout;

    ConnectHandshakeHandler(String target, String proxy, boolean tls, long connectDeadlineNanos,
                            long dialTimeoutMillis, boolean allowHalfClosure, Promise<Channel> promise) {
        this.target = target;
        this.proxy = proxy;
        this.tls = tls;
        this.connectDeadlineNanos = connectDeadlineNanos;
        this.dialTimeoutMillis = dialTimeoutMillis;
        this.allowHalfClosure = allowHalfClosure;
        this.promise = promise;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (state != State.CONNECTING) {
            return;
        }
        // Written now; an SslHandler holds it until its handshake is done.
        ctx.writeAndFlush(Unpooled.wrappedBuffer(ProxyProtocol.connectRequest(target)))
                .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        if (tls) {
            state = State.HANDSHAKING_TLS;
            if (connectDeadlineNanos != NO_TLS_DEADLINE) {
                long left = TimeUnit.NANOSECONDS.toMillis(connectDeadlineNanos - System.nanoTime());
                timeout = ctx.executor().schedule(() -> fail(ctx, new ProxyUnreachableException(
                        "TLS handshake with proxy " + proxy + " timed out", proxy, target, null)),
                        Math.max(1, left), TimeUnit.MILLISECONDS);
            }
        } else {
            awaitAnswer(ctx);
        }
        ctx.read();
    }

    private void awaitAnswer(ChannelHandlerContext ctx) {
        cancelTimeout();
        state = State.AWAITING_ANSWER;
        timeout = ctx.executor().schedule(() -> fail(ctx, DialTimeoutException.clientSide(target, dialTimeoutMillis)),
                dialTimeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.ESTABLISHED) {
            ctx.fireChannelRead(msg); // the decoder's leftover, on its way to the handover handler
        } else if (msg instanceof ProxyResponseHead head && state == State.AWAITING_ANSWER) {
            onAnswer(ctx, head);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onAnswer(ChannelHandlerContext ctx, ProxyResponseHead head) {
        if (!head.isEstablished()) {
            fail(ctx, ProxyProtocol.refusal(head, target));
            return;
        }
        cancelTimeout();
        state = State.ESTABLISHED;
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), ClientPipeline.HANDOVER, new HandoverHandler(allowHalfClosure));
        pipeline.remove(ClientPipeline.PROXY_DECODER);
        pipeline.remove(this);
        if (!promise.trySuccess(ctx.channel())) {
            ctx.channel().close(); // the dial was cancelled meanwhile
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.ESTABLISHED) {
            ctx.fireChannelReadComplete();
        } else if (state != State.FAILED) {
            ctx.read(); // AUTO_READ is off: ask for the rest of the answer
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent handshake && state == State.HANDSHAKING_TLS) {
            if (handshake.isSuccess()) {
                awaitAnswer(ctx);
            } else {
                fail(ctx, unreachable("TLS handshake with proxy " + proxy + " failed", handshake.cause()));
            }
            return;
        }
        if (evt == ChannelInputShutdownEvent.INSTANCE && state != State.ESTABLISHED) {
            fail(ctx, closedEarly());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.ESTABLISHED) {
            ctx.fireChannelInactive();
        } else {
            fail(ctx, closedEarly());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.ESTABLISHED) {
            ctx.fireExceptionCaught(cause);
        } else {
            fail(ctx, map(cause));
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    private TunnelException map(Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (state == State.HANDSHAKING_TLS || root instanceof SSLException) {
            return unreachable("TLS handshake with proxy " + proxy + " failed", root);
        }
        if (cause instanceof DecoderException) {
            return BadProxyResponseException.malformed(target, String.valueOf(root.getMessage()), root);
        }
        return BadProxyResponseException.malformed(target, "connection lost: " + root, root);
    }

    private TunnelException closedEarly() {
        if (state == State.HANDSHAKING_TLS) {
            return unreachable("proxy " + proxy + " closed the connection during the TLS handshake", null);
        }
        return BadProxyResponseException.malformed(target, "the connection closed before an answer", null);
    }

    private ProxyUnreachableException unreachable(String message, Throwable cause) {
        String detail = cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage();
        return new ProxyUnreachableException(message + detail, proxy, target, cause);
    }

    /** The first failure wins: it completes the promise, and the channel is closed. */
    private void fail(ChannelHandlerContext ctx, TunnelException cause) {
        if (state == State.FAILED || state == State.ESTABLISHED) {
            return;
        }
        state = State.FAILED;
        cancelTimeout();
        promise.tryFailure(cause);
        ctx.close();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
