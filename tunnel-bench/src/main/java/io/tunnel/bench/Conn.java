package io.tunnel.bench;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * One connection of the load generator and the handler of its channel: a tunnel (handed over by the client library
 * once the proxy answered 200; this is the listener of the dial) or a direct TCP connection (this is the channel's
 * handler from the start). {@link #opened} completes once the connection carries bytes, {@link #closed} when it is
 * gone; subclasses drive the exchange.
 */
abstract class Conn extends ChannelInboundHandlerAdapter implements GenericFutureListener<Future<Channel>> {
    /** The name of this handler in a tunnel's pipeline. */
    static final String NAME = "loadgen";

    final Target target;
    final CompletableFuture<Conn> opened = new CompletableFuture<>();
    final CompletableFuture<Conn> closed = new CompletableFuture<>();
    /** Set when the connection opened: a channel that never opened is the library's (or never connected). */
    Channel channel;
    long startNanos;
    long openNanos;
    boolean resumed;
    /** The TLS key exchange group of a connection over TLS, when the engine tells it. */
    String keyExchangeGroup;
    Throwable failure;
    private boolean open;

    Conn(Target target) {
        this.target = target;
    }

    /** The dial of a tunnel completed: take the channel (AUTO_READ off, the library's handover in front) or fail. */
    @Override
    public void operationComplete(Future<Channel> dial) {
        if (!dial.isSuccess()) {
            fail(dial.cause());
            return;
        }
        dial.getNow().pipeline().addLast(NAME, this); // opens it: see handlerAdded
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            becomeOpen(ctx); // a tunnel
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!open) {
            becomeOpen(ctx); // a direct connection
        }
        ctx.fireChannelActive();
    }

    private void becomeOpen(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        open = true;
        openNanos = System.nanoTime();
        if (target.ssl != null) {
            resumed = target.sessionReused(channel);
            keyExchangeGroup = Target.keyExchangeGroup(channel);
        }
        opened.complete(this);
        onOpen(ctx);
        // A tunnel comes with AUTO_READ off: its first read also brings the bytes that came behind the proxy's answer.
        ctx.channel().config().setAutoRead(reads());
    }

    /** Whether the connection reads once open (AUTO_READ); {@code false} for a reader that stalls. */
    boolean reads() {
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (open && msg instanceof ByteBuf buf) {
            onData(ctx, buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!opened.isDone()) {
            opened.completeExceptionally(failure != null ? failure : new IOException("closed before open"));
        }
        onClosed();
        closed.complete(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
    }

    /** The first failure is kept; the connection is closed (or, if it never opened, counted as closed now). */
    void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        if (!opened.isDone()) {
            opened.completeExceptionally(cause);
        }
        if (channel != null) {
            channel.close();
        } else {
            onClosed();
            closed.complete(this);
        }
    }

    /** The connection carries bytes: start the exchange. */
    void onOpen(ChannelHandlerContext ctx) {
    }

    /** Bytes from the destination; must release {@code buf}. */
    void onData(ChannelHandlerContext ctx, ByteBuf buf) {
        buf.release();
    }

    void onClosed() {
    }
}
