package io.tunnel.core.link;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.net.Addresses;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.transport.Transports;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps a link alive and notices when it is dead: sends PING after {@code interval} without writing, and closes
 * the link after {@code timeout} without reading anything (frames of any kind, PONG included, count).
 *
 * <p>PING goes out only once the handshake handler ({@link PipelineNames#HANDSHAKE}) has left the pipeline: before
 * that, the peer expects HELLO or HELLO_ACK first, and the handshake timeout bounds the wait. A dead link is aborted
 * ({@link Transports#abort}: TCP RST, no close_notify): the peer is not reading, and a close_notify queued behind
 * unsent data would hold the socket open for the TLS handler's flush timeout.
 */
public final class KeepAliveHandler extends IdleStateHandler {
    private static final Logger LOG = LogManager.getLogger(KeepAliveHandler.class);

    private final long timeoutMillis;

    public KeepAliveHandler(long intervalMillis, long timeoutMillis) {
        super(timeoutMillis, intervalMillis, 0, TimeUnit.MILLISECONDS);
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (evt.state() == IdleState.WRITER_IDLE) {
            if (ctx.pipeline().get(PipelineNames.HANDSHAKE) != null) {
                return;
            }
            // From the tail, so the frame passes the encoder that sits after this handler.
            ctx.channel().writeAndFlush(new PingFrame(ThreadLocalRandom.current().nextLong()),
                    ctx.channel().voidPromise());
        } else if (evt.state() == IdleState.READER_IDLE) {
            LOG.warn("link {} to {}: nothing received for {} ms, closing it as dead", ctx.channel().id().asShortText(),
                    Addresses.text(ctx.channel().remoteAddress()), timeoutMillis);
            Transports.abort(ctx.channel());
        }
    }
}
