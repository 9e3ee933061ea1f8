package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.StreamRelayHandler;
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
 *
 * <p>How the stream meets the connection is its {@link Binding}: the relay by default (a tunnel), or a forwarded
 * request's {@link ForwardExchange}.
 */
final class StreamOpening {
    private static final Logger LOG = LogManager.getLogger(StreamOpening.class);

    /** How the stream meets the connection; on the link's loop, where the connection is by then. */
    interface Binding {
        /** The stream was made (it dials now): bind it to the connection. */
        void attach(TunnelStream stream);

        /** The stream's dial is taken to another link: unbind it. */
        void detach();

        /** The dial succeeded. */
        void opened(TunnelStream stream);
    }

    private final ChannelHandlerContext ctx;
    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    private final ConnectRequest request;
    private final String method;
    private final String target;
    private final Binding binding;
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
        this(ctx, chooser, answer, request, AccessLog.TUNNEL, target, null);
    }

    /**
     * @param method  the request's method as logs name it
     * @param binding how the stream meets the connection; {@code null} for the relay
     */
    StreamOpening(ChannelHandlerContext ctx, AgentChooser chooser, FrontendAnswer answer, ConnectRequest request,
                  String method, String target, Binding binding) {
        this.ctx = ctx;
        this.chooser = chooser;
        this.answer = answer;
        this.request = request;
        this.method = method;
        this.target = target;
        this.binding = binding != null ? binding : new Relay();
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
            refuse(ProxyResponse.SERVICE_UNAVAILABLE, choice.refusal());
            return;
        }
        dispatch(choice);
    }

    /** Refuses the request before any stream was opened for it. */
    void refuse(ProxyResponse response, String reason) {
        answer.refuseRequest(response, method, target, reason);
    }

    /** The stream was made: bind it to the connection ({@link Binding#attach}). */
    void attach(TunnelStream stream) {
        binding.attach(stream);
    }

    /** The stream's dial is taken to another link ({@link Binding#detach}). */
    void detach() {
        binding.detach();
    }

    /** The dial succeeded ({@link Binding#opened}). */
    void opened(TunnelStream stream) {
        binding.opened(stream);
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
    private void handOver(TunnelStream stream) {
        ctx.executor().execute(() -> {
            early.fireTo(ctx);
            if (!ctx.isRemoved()) {
                ctx.pipeline().remove(ctx.handler());
            }
            stream.enableReading();
        });
    }

    /** A tunnel's binding: the stream's relay handler in the connection's pipeline, {@code 200} when it opens. */
    private final class Relay implements Binding {
        @Override
        public void attach(TunnelStream stream) {
            ctx.pipeline().addLast(PipelineNames.RELAY, new StreamRelayHandler(stream));
        }

        @Override
        public void detach() {
            if (ctx.pipeline().get(PipelineNames.RELAY) != null) {
                ctx.pipeline().remove(PipelineNames.RELAY);
            }
        }

        @Override
        public void opened(TunnelStream stream) {
            // Written from this loop before any DATA the stream writes, so the client sees 200 first.
            answer.established();
            handOver(stream);
        }
    }
}
