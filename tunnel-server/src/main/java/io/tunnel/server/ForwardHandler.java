package io.tunnel.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.PipelineNames;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The absolute-form ({@code http_proxy}) requests of one frontend connection, one at a time. It takes the place of
 * the {@link ConnectHandler} at the connection's first such request and puts a {@link FrontendResponseEncoder} before
 * itself for the responses.
 * <ul>
 *   <li>Each request ({@link ForwardRequest}) is a {@link ForwardExchange}, the socket of a stream of its own, opened
 *   by a {@link StreamOpening} (routing, the move to the link's loop, another link when one fails): its body goes to
 *   the exchange as it comes, and once the response reached the client the connection serves the next request
 *   (keep-alive, also to other destinations through other links), or closes.</li>
 *   <li>A request the client pipelined waits, decoded, until the one before ended (the socket is not read
 *   meanwhile); nothing is ever interleaved.</li>
 *   <li>A {@code CONNECT} between requests puts a {@link ConnectHandler} back in this handler's place, which then
 *   serves it as the connection's last request.</li>
 *   <li>Between requests the client has the head timeout to send the next head: a kept-alive connection idle that
 *   long is closed without an answer, one with a head under way is answered {@code 408}.</li>
 * </ul>
 * The handler's state moves with the connection from loop to loop, one at a time.
 */
final class ForwardHandler extends ChannelInboundHandlerAdapter implements ForwardExchange.Owner {
    private static final Logger LOG = LogManager.getLogger(ForwardHandler.class);
    /** Stands for the client's end of input among the messages that wait their turn. */
    private static final Object INPUT_ENDED = new Object();

    private final Duration headerTimeout;
    private final AgentChooser chooser;
    private final FrontendAnswer answer;
    /** What arrived after the request being served: later requests (with their bodies), the end of input. */
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private final HeadTimer headTimer;
    /** The request being served; {@code null} between requests. */
    private ForwardExchange exchange;
    /** Whether the request being served was read to its end. */
    private boolean bodyRead;
    /** Requests this connection completed. */
    private int served;

    ForwardHandler(Duration headerTimeout, AgentChooser chooser, FrontendAnswer answer) {
        this.headerTimeout = headerTimeout;
        this.chooser = chooser;
        this.answer = answer;
        this.headTimer = new HeadTimer(headerTimeout, this::headTimedOut);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.pipeline().addBefore(ctx.name(), PipelineNames.FRONTEND_ENCODER, new FrontendResponseEncoder());
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        headTimer.cancel();
        releaseWaiting();
        if (exchange != null) {
            exchange.release();
            exchange = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == INPUT_ENDED) { // an end of input that waited its turn
            onInputEnded();
        } else if (exchange != null && !bodyRead) { // the body of the request being served
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
        } else if (exchange != null) { // pipelined behind the request being served: waits its turn
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
        } else {
            serve(msg);
        }
    }

    /** Starts serving {@code msg}, which arrived between requests. */
    private void serve(Object msg) {
        if (msg instanceof ForwardRequest forward) {
            onForward(forward);
        } else if (msg instanceof ConnectRequest) {
            toConnect(msg);
        } else if (msg instanceof ConnectRejection rejection) {
            answer.refuse(rejection.response(), AccessLog.NO_METHOD, rejection.reason());
        } else {
            ReferenceCountUtil.release(msg); // the end of a body refused before its exchange
        }
    }

    private void onForward(ForwardRequest forward) {
        headTimer.cancel();
        ctx.channel().config().setAutoRead(false); // the exchange reads the body once the stream takes it
        exchange = new ForwardExchange(ctx, answer, forward, this);
        bodyRead = false;
        new StreamOpening(ctx, chooser, answer, forward.connect(), forward.method(), forward.target().logTarget(),
                exchange).start();
    }

    /** A CONNECT between requests: a {@link ConnectHandler} takes this handler's place and serves it. */
    private void toConnect(Object connect) {
        ctx.pipeline().remove(PipelineNames.FRONTEND_ENCODER);
        ctx.pipeline().replace(this, PipelineNames.CONNECT, new ConnectHandler(headerTimeout, chooser, answer));
        ctx.fireChannelRead(connect); // reaches the handler in this one's place
    }

    /** The request's response reached the client: serve what waits, or read on, or close. */
    @Override
    public void exchangeDone(boolean keepAlive) {
        exchange = null;
        served++;
        if (!keepAlive) {
            releaseWaiting();
            ctx.close();
            return;
        }
        headTimer.arm(ctx.executor());
        List<Object> next = new ArrayList<>(waiting);
        waiting.clear();
        for (Object msg : next) {
            if (ctx.isRemoved()) { // a CONNECT took over: what followed it is its own
                if (msg == INPUT_ENDED) {
                    ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
                } else {
                    ctx.fireChannelRead(msg);
                }
            } else {
                channelRead(ctx, msg); // the first request among them is served, what follows it waits again
            }
        }
        if (!ctx.isRemoved() && exchange == null && !answer.isAnswered()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void headTimedOut() {
        if (exchange != null) {
            return;
        }
        if (!nextHeadStarted()) {
            LOG.debug("{} idle for {} ms after {} request(s): closed", ctx.channel(), headTimer.millis(), served);
            ctx.close();
        } else {
            answer.refuse(ProxyResponse.REQUEST_TIMEOUT, AccessLog.NO_METHOD, "request head not complete within "
                    + headTimer.millis() + " ms");
        }
    }

    /** Whether bytes of another request head arrived on this connection. */
    private boolean nextHeadStarted() {
        FrontendRequestDecoder decoder = ctx.pipeline().get(FrontendRequestDecoder.class);
        return decoder != null && decoder.midHead();
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
        if (exchange != null && !bodyRead) {
            exchange.clientInputEnded(); // the body cut short
        } else if (exchange != null || !waiting.isEmpty()) {
            if (exchange != null && waiting.isEmpty()) {
                exchange.clientInputEnded(); // its response is the last: it says so
            }
            waiting.add(INPUT_ENDED); // after the requests that came before it
        } else if (!nextHeadStarted()) {
            ctx.close(); // a client done with its kept-alive connection
        } else {
            answer.refuse(ProxyResponse.BAD_REQUEST, AccessLog.NO_METHOD,
                    "connection closed before the request head ended");
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
        LOG.debug("{} frontend error {}: {}", ctx.channel(), exchange == null ? "between requests"
                : "during " + exchange, cause.toString());
        ctx.close();
    }
}
