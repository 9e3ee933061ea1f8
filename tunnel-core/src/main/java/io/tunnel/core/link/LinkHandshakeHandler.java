package io.tunnel.core.link;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.PipelineNames;
import java.util.concurrent.TimeUnit;

/**
 * Base of the two sides' handshake handlers ({@link PipelineNames#HANDSHAKE}): the TLS handshake and the HELLO
 * exchange must end within {@link LinkConstants#HANDSHAKE_TIMEOUT_MILLIS} of the handler joining the pipeline, or the
 * connection is closed. The handler leaves the pipeline when the link is established, which ends the deadline.
 */
public abstract class LinkHandshakeHandler extends ChannelInboundHandlerAdapter {
    private ScheduledFuture<?> deadline;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            handshakeTimedOut(ctx);
            ctx.close();
        }, LinkConstants.HANDSHAKE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    /** Says why the connection is about to be closed; the close follows. */
    protected abstract void handshakeTimedOut(ChannelHandlerContext ctx);
}
