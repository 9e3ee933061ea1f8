package io.tunnel.core.link;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.Frames;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.PongFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelProtocolException;
import io.tunnel.core.protocol.WindowUpdateFrame;
import io.tunnel.core.transport.FatalErrors;
import io.tunnel.core.transport.Transports;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Demultiplexes the frames of an established link to its streams and answers the link-level ones.
 * Sides extend it for the frame only they receive: DIAL (agent) and DIAL_RESULT (server).
 *
 * <p>Errors are scoped as {@code docs/protocol.md} says: a stream error resets that stream; a connection error
 * sends GOAWAY with its code and closes the link, which aborts every stream on it. A peer that floods gets the
 * connection error {@code ENHANCE_YOUR_CALM} ({@link FloodLimit}); one that sends without reading the answers stops
 * being read ({@link TunnelLink#pauseReadingIfBacklogged}).
 */
public abstract class TunnelLinkHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LogManager.getLogger(TunnelLinkHandler.class);

    protected final TunnelLink link;
    private boolean failed;
    private boolean goAwaySent;
    private boolean goAwayReceived;

    protected TunnelLinkHandler(TunnelLink link) {
        this.link = link;
    }

    public TunnelLink link() {
        return link;
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof TunnelFrame frame) || failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (frame.type()) {
            case DATA -> {
                DataFrame data = (DataFrame) frame;
                link.probeRttIfDue();
                TunnelStream stream = streamFor(frame);
                if (stream == null) {
                    data.release();
                } else {
                    stream.onData(data);
                }
            }
            case WINDOW_UPDATE -> {
                link.charge(FloodLimit.WINDOW_UPDATE);
                TunnelStream stream = streamFor(frame);
                if (stream != null) {
                    stream.onWindowUpdate((WindowUpdateFrame) frame);
                }
            }
            case CLOSE -> {
                TunnelStream stream = liveStreamFor(frame);
                if (stream != null) {
                    stream.onRemoteClose();
                }
            }
            case RESET -> {
                TunnelStream stream = liveStreamFor(frame);
                if (stream != null) {
                    if (!stream.isOpen()) { // still dialling
                        link.charge(FloodLimit.DIAL_CANCEL);
                    }
                    stream.onReset((ResetFrame) frame);
                }
            }
            case PING -> {
                link.charge(FloodLimit.PING);
                link.write(new PongFrame(((PingFrame) frame).payload()));
            }
            case PONG -> link.onPong(((PongFrame) frame).payload()); // a keep-alive's PONG counts as traffic only
            case GOAWAY -> onGoAway(ctx, (GoAwayFrame) frame);
            case DIAL -> {
                link.charge(FloodLimit.DIAL);
                onDial(ctx, (DialFrame) frame);
            }
            case DIAL_RESULT -> {
                TunnelStream stream = liveStreamFor(frame);
                if (stream != null) {
                    onDialResult(ctx, stream, (DialResultFrame) frame);
                }
            }
            case HELLO, HELLO_ACK -> throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    frame.type() + " after the handshake");
        }
    }

    /**
     * The stream a frame is for, or {@code null} if that stream already ended (the frame is then ignored).
     *
     * @throws TunnelProtocolException if the stream id was never opened
     */
    private TunnelStream streamFor(TunnelFrame frame) {
        TunnelStream stream = link.stream(frame.streamId());
        if (stream == null && frame.streamId() > link.highestStreamId()) {
            ReferenceCountUtil.release(frame);
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    frame.type() + " for stream " + frame.streamId() + " that was never opened");
        }
        return stream;
    }

    /** {@link #streamFor} for frames that do nothing once the stream ended, which count as {@link FloodLimit#STRAY_FRAME}. */
    private TunnelStream liveStreamFor(TunnelFrame frame) {
        TunnelStream stream = streamFor(frame);
        if (stream == null) {
            link.charge(FloodLimit.STRAY_FRAME);
        }
        return stream;
    }

    /** A DIAL arrived; only agents accept them. */
    protected void onDial(ChannelHandlerContext ctx, DialFrame dial) {
        throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR, "DIAL sent to a server");
    }

    /** A DIAL_RESULT arrived for a known stream; only servers accept them. */
    protected void onDialResult(ChannelHandlerContext ctx, TunnelStream stream, DialResultFrame result) {
        throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR, "DIAL_RESULT sent to an agent");
    }

    /**
     * The peer will accept no new streams; with an error code it also closes the link. A GOAWAY({@code NO_ERROR}) is
     * answered with one ({@link #goAwayGracefully}), unless this side said it first.
     */
    protected void onGoAway(ChannelHandlerContext ctx, GoAwayFrame goAway) {
        link.goAway();
        if (goAway.code() == TunnelErrorCode.NO_ERROR) {
            if (!goAwayReceived) { // said once; a repeated GOAWAY changes nothing
                goAwayReceived = true;
                LOG.info("{}: peer is going away ({}), draining {} streams", link, goAway.reason(),
                        link.streamCount());
                goAwayGracefully("going away too");
            }
        } else {
            LOG.warn("{}: peer closed the link: {} {}", link, goAway.code(), goAway.reason());
            ctx.close();
        }
    }

    /** The link is gone, after its streams were aborted. */
    protected void onLinkClosed(ChannelHandlerContext ctx) {
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        link.flushNow();
        link.pauseReadingIfBacklogged();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        link.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        link.closeAllStreams(StreamResult.LINK_LOST);
        onLinkClosed(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (FatalErrors.report(ctx, cause)) {
            ctx.close();
            return;
        }
        if (cause instanceof TunnelProtocolException e && !e.isConnectionError()) {
            TunnelStream stream = link.stream(e.streamId());
            if (stream != null) {
                LOG.warn("{} stream {}: {}: {}", link, e.streamId(), e.errorCode(), e.getMessage());
                stream.reset(e.errorCode(), e.getMessage());
            }
            return;
        }
        if (failed) {
            return;
        }
        failed = true;
        if (cause instanceof TunnelProtocolException e) {
            LOG.warn("{}: protocol error, closing the link: {}: {}", link, e.errorCode(), e.getMessage());
            goAwayAndClose(ctx, e.errorCode(), e.getMessage());
        } else {
            LOG.warn("{}: closing the link after an error: {}", link, cause.toString());
            ctx.close();
        }
    }

    /**
     * Says GOAWAY({@code NO_ERROR}), once: this side takes no new stream on the link, those open go on. Once both sides
     * have said it no stream can be opened any more, and the link closes when its last stream ends
     * ({@code docs/protocol.md} §6.7). On the link's loop.
     */
    public void goAwayGracefully(String reason) {
        if (!goAwaySent && link.channel().isActive()) {
            goAwaySent = true;
            link.goAway();
            link.writeAndFlush(new GoAwayFrame(link.highestStreamId(), TunnelErrorCode.NO_ERROR,
                    Frames.toReason(reason)));
        }
        if (goAwayReceived) {
            link.closeWhenIdle();
        }
    }

    /** Whether the peer said GOAWAY({@code NO_ERROR}) on this link. */
    protected boolean peerWentAway() {
        return goAwayReceived;
    }

    /**
     * Sends GOAWAY with {@code code} and closes the link once it is written, or aborts it if that takes longer than
     * {@link LinkConstants#GOAWAY_TIMEOUT_MILLIS} (a peer that does not read). The link is not read any more.
     */
    public void goAwayAndClose(ChannelHandlerContext ctx, TunnelErrorCode code, String reason) {
        goAwaySent = true;
        link.goAway();
        link.stopReading();
        ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
            LOG.warn("{}: GOAWAY not sent within {} ms, aborting the link", link, LinkConstants.GOAWAY_TIMEOUT_MILLIS);
            Transports.abort(ctx.channel());
        }, LinkConstants.GOAWAY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        ctx.writeAndFlush(new GoAwayFrame(link.highestStreamId(), code, Frames.toReason(reason)))
                .addListener(written -> {
                    deadline.cancel(false);
                    ctx.close();
                });
    }
}
