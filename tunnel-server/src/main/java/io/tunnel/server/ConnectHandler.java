package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.StreamRelayHandler;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.transport.Transports;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The requests of one frontend connection, one at a time: bounds the time to read a request head, has the
 * {@link AgentChooser} pick a link, moves the connection onto that link's event loop and asks the link for a stream;
 * refusals go through the connection's {@link FrontendAnswer}.
 * <ul>
 *   <li>A {@code CONNECT} ({@link ConnectRequest}) is the connection's last request: bytes and an end of input that
 *   arrive after the head wait in {@link EarlyBytes} (the socket is no longer read) and reach the stream only if the
 *   dial succeeds; then the handler writes {@code 200} and leaves the pipeline to the stream's relay.</li>
 *   <li>An absolute-form request ({@link ForwardRequest}) is a {@link ForwardExchange}, the socket of its own stream:
 *   its body goes to the exchange as it comes, and once the response reached the client the connection serves the
 *   next request (keep-alive, also to other destinations through other links), or closes. A request the client
 *   pipelined waits, decoded, until the one before ended; nothing is ever interleaved. A kept-alive connection that
 *   sends nothing within the head timeout is closed without an answer.</li>
 * </ul>
 *
 * <p>A link that cannot dial for the request after all (it became suspect, went away, lost the dial, or had no room)
 * asks {@link #anotherLink()} and {@link #dispatch}es the connection there: the client sees only the final answer.
 * Each link is tried once per request. The handler's state moves with the connection from loop to loop, one at a
 * time.
 */
final class ConnectHandler extends ChannelInboundHandlerAdapter implements ForwardExchange.Owner {
    private static final Logger LOG = LogManager.getLogger(ConnectHandler.class);
    /** Stands for the client's end of input among the messages that wait their turn. */
    private static final Object INPUT_ENDED = new Object();

    private final Duration headerTimeout;
    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    private final EarlyBytes early = new EarlyBytes();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> headTimeout;
    /** Where the request being served goes; {@code null} between requests. */
    private ConnectRequest request;
    /** The request being served when it is absolute-form; {@code null} for a CONNECT and between requests. */
    private ForwardExchange exchange;
    /** Whether the absolute-form request being served was read to its end. */
    private boolean bodyRead;
    /** What arrived after the request being served: later requests (with their bodies), the end of input. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /** Absolute-form requests this connection completed. */
    private int served;
    /** The links this request was dispatched to, in order: never chosen for it again. */
    private final List<ServerLinkHandler> tried = new ArrayList<>(1);

    ConnectHandler(Duration headerTimeout, AgentChooser chooser, FrontendAnswer answer) {
        this.headerTimeout = headerTimeout;
        this.chooser = chooser;
        this.answer = answer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        armHeadTimeout();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelHeadTimeout();
        early.release();
        releaseWaiting();
        if (exchange != null) {
            exchange.release();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == INPUT_ENDED) { // an end of input that waited its turn
            onInputEnded();
        } else if (request != null && exchange == null) { // a CONNECT: what follows its head is the tunnel's
            if (msg instanceof ByteBuf buf && !answer.isAnswered()) {
                early.hold(buf, ctx.alloc());
            } else {
                ReferenceCountUtil.release(msg);
            }
        } else if (exchange != null && !bodyRead) { // the body of the absolute-form request being served
            if (msg instanceof HttpContent piece) {
                bodyRead = piece instanceof LastHttpContent;
                exchange.offer(piece);
            } else if (msg instanceof ConnectRejection rejection) {
                exchange.requestFailed(rejection);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } else if (answer.isAnswered()) {
            ReferenceCountUtil.release(msg);
        } else if (request != null) { // pipelined behind the request being served: waits its turn
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
        } else {
            serve(msg);
        }
    }

    /** Starts serving {@code msg}, which arrived between requests. */
    private void serve(Object msg) {
        if (msg instanceof ConnectRequest connect) {
            onConnect(connect);
        } else if (msg instanceof ForwardRequest forward) {
            onForward(forward);
        } else if (msg instanceof ConnectRejection rejection) {
            answer.refuse(rejection.response(), "-", "-", rejection.reason());
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onConnect(ConnectRequest connect) {
        request = connect;
        // The decoder's leftover (pipelined bytes) arrives here as a ByteBuf while it is removed: early bytes.
        ctx.pipeline().remove(PipelineNames.CONNECT_DECODER);
        if (ctx.pipeline().get(PipelineNames.FRONTEND_ENCODER) != null) {
            ctx.pipeline().remove(PipelineNames.FRONTEND_ENCODER);
        }
        onRequest(ctx, connect);
    }

    private void onForward(ForwardRequest forward) {
        exchange = new ForwardExchange(ctx, answer, forward, this);
        bodyRead = false;
        onRequest(ctx, forward.connect());
    }

    /** A request to serve (CONNECT or absolute-form): stop reading, choose a link, go there. */
    private void onRequest(ChannelHandlerContext ctx, ConnectRequest connect) {
        cancelHeadTimeout();
        request = connect;
        tried.clear();
        ctx.channel().config().setAutoRead(false);
        AgentChoice choice = chooser.choose(connect, tried);
        if (!choice.found()) {
            refuse(ProxyResponse.SERVICE_UNAVAILABLE, choice.refusal());
            return;
        }
        dispatch(choice);
    }

    /** Refuses the request being served, before any stream existed for it. */
    void refuse(ProxyResponse response, String reason) {
        if (exchange != null) {
            answer.refuse(response, exchange.method(), exchange.logTarget(), reason);
        } else {
            answer.refuse(response, "CONNECT", request.authority(), reason);
        }
    }

    /**
     * Another link for the request being served, besides those tried; a refusal if there is none. On the loop the
     * connection is on (the link's it was last given).
     */
    AgentChoice anotherLink() {
        return chooser.choose(request, tried);
    }

    /** Moves the connection onto the chosen link's loop and has the link open its stream there. */
    void dispatch(AgentChoice choice) {
        ServerLinkHandler link = choice.link();
        LOG.debug("{} {} {} via agent {} link {} ({}{})", ctx.channel(), exchange == null ? "CONNECT"
                : exchange.method(), exchange == null ? request.authority() : exchange.logTarget(), link.agentId(),
                link.linkId(), choice.strategy(), tried.isEmpty() ? "" : ", after " + tried.size() + " link(s) failed");
        tried.add(link);
        ConnectRequest target = request;
        Transports.moveTo(ctx.channel(), link.link().eventLoop()).addListener(moved -> {
            if (moved.isSuccess()) {
                link.link().eventLoop().execute(() -> link.openStream(ctx.channel(), target, choice.strategy(), this,
                        answer));
            } else {
                // The target loop refused the channel (shutting down): its pipeline will never be torn down there.
                LOG.debug("{} could not join the loop of agent {}: {}", ctx.channel(), link.link().peerId(),
                        moved.cause().toString());
                early.release();
                releaseWaiting();
                if (exchange != null) {
                    exchange.release();
                }
                ctx.channel().close();
            }
        });
    }

    /** The link made the request's stream (it dials now): bind it to the connection. On the link's loop. */
    void attach(TunnelStream stream) {
        if (exchange != null) {
            exchange.attach(stream);
        } else {
            ctx.pipeline().addLast(PipelineNames.RELAY, new StreamRelayHandler(stream));
        }
    }

    /** The stream's dial is taken to another link: unbind it. */
    void detach() {
        if (exchange != null) {
            exchange.detach();
        } else if (ctx.pipeline().get(PipelineNames.RELAY) != null) {
            ctx.pipeline().remove(PipelineNames.RELAY);
        }
    }

    /**
     * The dial succeeded. A CONNECT is answered {@code 200} now, from the link's loop before any DATA the stream
     * writes, so the client sees it first; an absolute-form request starts its exchange.
     */
    void opened(TunnelStream stream) {
        if (exchange != null) {
            exchange.opened();
        } else {
            answer.established();
            handOver(stream);
        }
    }

    /**
     * A CONNECT's tunnel is open: pass on the held bytes, leave the pipeline, start relaying. Called on the link's
     * loop (the connection's loop too, since it moved there), and run after the link handler returns from the frame
     * that reported the dial.
     */
    private void handOver(TunnelStream stream) {
        ctx.executor().execute(() -> {
            early.fireTo(ctx);
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
            stream.enableReading();
        });
    }

    /** The absolute-form request's response reached the client: serve what waits, or read on, or close. */
    @Override
    public void exchangeDone(boolean keepAlive) {
        exchange = null;
        request = null;
        served++;
        if (!keepAlive) {
            releaseWaiting();
            ctx.close();
            return;
        }
        armHeadTimeout();
        List<Object> next = new ArrayList<>(waiting);
        waiting.clear();
        for (Object msg : next) {
            channelRead(ctx, msg); // the first request among them is served, what follows it waits again
        }
        if (request == null && !answer.isAnswered()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void headTimedOut() {
        headTimeout = null;
        if (request != null) {
            return;
        }
        if (served > 0 && !nextHeadStarted()) {
            LOG.debug("{} idle for {} ms after {} request(s): closed", ctx.channel(), headerTimeout.toMillis(), served);
            ctx.close();
        } else {
            answer.refuse(ProxyResponse.REQUEST_TIMEOUT, "-", "-", "request head not complete within "
                    + headerTimeout.toMillis() + " ms");
        }
    }

    /** Whether bytes of another request head arrived on this connection. */
    private boolean nextHeadStarted() {
        FrontendRequestDecoder decoder = ctx.pipeline().get(FrontendRequestDecoder.class);
        return decoder != null && decoder.midHead();
    }

    private void armHeadTimeout() {
        cancelHeadTimeout();
        headTimeout = ctx.executor().schedule(this::headTimedOut, headerTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelHeadTimeout() {
        if (headTimeout != null) {
            headTimeout.cancel(false);
            headTimeout = null;
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) { // a FIN, or a TLS close_notify (TlsInputEndHandler)
            onInputEnded();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void onInputEnded() {
        if (request != null && exchange == null) {
            early.inputEnded();
        } else if (exchange != null && !bodyRead) {
            exchange.clientInputEnded();
        } else if (request != null || !waiting.isEmpty()) {
            if (exchange != null && waiting.isEmpty()) {
                exchange.clientInputEnded(); // its response is the last: it says so
            }
            waiting.add(INPUT_ENDED); // after the requests that came before it
        } else {
            inputEnded();
        }
    }

    /** The client's input ended between requests. */
    private void inputEnded() {
        if (served > 0 && !nextHeadStarted()) {
            ctx.close(); // a client done with its kept-alive connection
        } else {
            answer.refuse(ProxyResponse.BAD_REQUEST, "-", "-", "connection closed before the request head ended");
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.clientClosed();
        }
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    private void releaseWaiting() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (request == null || exchange != null) {
            LOG.debug("{} frontend error {}: {}", ctx.channel(), request == null ? "before a request"
                    : "during " + exchange, cause.toString());
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }
}
