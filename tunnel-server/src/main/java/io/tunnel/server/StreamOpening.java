package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.transport.Transports;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The opening of one frontend connection's stream, once its destination is known (a CONNECT request's, an SNI
 * route's): has the {@link AgentChooser} pick a link, moves the connection onto that link's event loop and asks the
 * link for a stream there ({@link ServerLinkHandler#openStream}); refusals go through the connection's
 * {@link FrontendAnswer}. What the client sent meanwhile waits in {@link EarlyBytes} (the socket is no longer read)
 * and reaches the stream only if the dial succeeds; then the frontend handler that began the opening leaves the
 * pipeline and the relay starts.
 *
 * <p>A link that cannot dial for the connection after all (it became suspect, went away, lost the dial, or had no
 * room) asks {@link #anotherLink()} and {@link #dispatch}es the connection there: the client sees only the final
 * answer. Each link is tried once. The opening moves with the connection from loop to loop, one at a time.
 */
final class StreamOpening {
    private static final Logger LOG = LogManager.getLogger(StreamOpening.class);

    private final ChannelHandlerContext ctx;
    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    private final ConnectRequest request;
    private final String target;
    private final EarlyBytes early = new EarlyBytes();
    /** The links this connection was dispatched to, in order: never chosen for it again. */
    private final List<ServerLinkHandler> tried = new ArrayList<>(1);

    /**
     * @param ctx     the context of the frontend handler that leaves the pipeline when the stream opens
     * @param request where the stream goes, and how it is routed
     * @param target  the stream's target as logs name it ({@code host:port} for a CONNECT)
     */
    StreamOpening(ChannelHandlerContext ctx, AgentChooser chooser, FrontendAnswer answer, ConnectRequest request,
                  String target) {
        this.ctx = ctx;
        this.chooser = chooser;
        this.answer = answer;
        this.request = request;
        this.target = target;
    }

    Channel channel() {
        return ctx.channel();
    }

    ConnectRequest request() {
        return request;
    }

    String target() {
        return target;
    }

    FrontendAnswer answer() {
        return answer;
    }

    /** Holds bytes for the stream, behind those held before; they go out only if it opens. */
    void hold(ByteBuf buf) {
        early.hold(buf, ctx.alloc());
    }

    /** The client's input ended before the stream opened: the stream sends CLOSE after the held bytes. */
    void inputEnded() {
        early.inputEnded();
    }

    /** Drops what is held (the connection ends without a stream). */
    void release() {
        early.release();
    }

    /** Chooses a link and dispatches the connection there; refuses it if there is none. */
    void start() {
        AgentChoice choice = chooser.choose(request, tried);
        if (!choice.found()) {
            answer.refuse(ProxyResponse.SERVICE_UNAVAILABLE, target, choice.refusal());
            return;
        }
        dispatch(choice);
    }

    /**
     * Another link for this connection, besides those tried; a refusal if there is none. On the loop the connection is
     * on (the link's it was last given).
     */
    AgentChoice anotherLink() {
        return chooser.choose(request, tried);
    }

    /** Moves the connection onto the chosen link's loop and has the link open its stream there. */
    void dispatch(AgentChoice choice) {
        ServerLinkHandler link = choice.link();
        LOG.debug("{} {} via agent {} link {} ({}{})", ctx.channel(), target, link.agentId(), link.linkId(),
                choice.strategy(), tried.isEmpty() ? "" : ", after " + tried.size() + " link(s) failed");
        tried.add(link);
        Transports.moveTo(ctx.channel(), link.link().eventLoop()).addListener(moved -> {
            if (moved.isSuccess()) {
                link.link().eventLoop().execute(() -> link.openStream(this, choice.strategy()));
            } else {
                // The target loop refused the channel (shutting down): its pipeline will never be torn down there.
                LOG.debug("{} could not join the loop of agent {}: {}", ctx.channel(), link.link().peerId(),
                        moved.cause().toString());
                early.release();
                ctx.channel().close();
            }
        });
    }

    /**
     * The dial succeeded and the frontend answered: pass on the held bytes, take the frontend handler out of the
     * pipeline, start relaying. Called on the link's loop (the connection's loop too, since it moved there), and run
     * after the link handler returns from the frame that reported the dial.
     */
    void handOver(TunnelStream stream) {
        ctx.executor().execute(() -> {
            early.fireTo(ctx);
            if (!ctx.isRemoved()) {
                ctx.pipeline().remove(ctx.handler());
            }
            stream.enableReading();
        });
    }
}
