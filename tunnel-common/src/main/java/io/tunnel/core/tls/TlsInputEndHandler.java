package io.tunnel.core.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import javax.net.ssl.SSLEngine;

/**
 * Placed right after the {@link SslHandler} of a socket that carries a stream: turns the peer's TLS close_notify into
 * the end of input the rest of the pipeline knows from TCP, a {@link ChannelInputShutdownEvent}; with the FIN's own
 * event, the handlers after it hear of the end of input once.
 *
 * <p>A close_notify may come without a FIN (Go's {@code CloseWrite}, Python's {@code unwrap}), and Netty tells of it
 * only with an {@link SslCloseCompletionEvent}, which is not reliable for this: OpenSSL's engine fires it, once, as
 * soon as our own close_notify makes every later unwrap report {@code CLOSED}, and then never again. So the engine's
 * inbound side is checked after each read.
 *
 * <p>The {@link SslHandler} may join the pipeline after this handler (the server's frontend adds it when the client's
 * first bytes arrive); until it does, there is no TLS input to end.
 */
public final class TlsInputEndHandler extends ChannelInboundHandlerAdapter {
    private SSLEngine engine;
    private boolean ended;

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        fireIfInputEnded(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            if (!ended) { // a FIN after the close_notify is the same end of input: the pipeline hears of it once
                ended = true;
                ctx.fireUserEventTriggered(evt);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof SslCloseCompletionEvent) {
            fireIfInputEnded(ctx);
        }
    }

    private void fireIfInputEnded(ChannelHandlerContext ctx) {
        if (engine == null) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            if (ssl == null) {
                return;
            }
            engine = ssl.engine();
        }
        if (!ended && engine.isInboundDone()) {
            ended = true;
            ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        }
    }
}
