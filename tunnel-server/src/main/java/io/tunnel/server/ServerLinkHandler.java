package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.DialCallback;
import io.tunnel.core.link.StreamRelayHandler;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelLinkHandler;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's end of an agent link: opens streams for CONNECT requests (DIAL) and routes the agent's answers.
 */
public final class ServerLinkHandler extends TunnelLinkHandler {
    private static final Logger LOG = LogManager.getLogger(ServerLinkHandler.class);

    private final ServerConfig config;
    private final AgentRegistry registry;
    private final AccessLog accessLog;
    private int dialsPending;

    ServerLinkHandler(TunnelLink link, ServerConfig config, AgentRegistry registry, AccessLog accessLog) {
        super(link);
        this.config = config;
        this.registry = registry;
        this.accessLog = accessLog;
    }

    /** Whether the registry may hand this link new streams (it is open and not draining); any thread. */
    boolean acceptsStreams() {
        return link.channel().isActive() && !link.isGoingAway();
    }

    /**
     * Opens a stream to {@code request} for the frontend channel {@code frontend}; runs on the link's loop.
     * The frontend's relay handler is added here, with this loop as its executor, before DIAL goes out.
     */
    void openStream(Channel frontend, ConnectRequest request, ConnectHandler connect, FrontendAnswer answer) {
        String client = String.valueOf(frontend.remoteAddress());
        if (!frontend.isActive()) {
            return;
        }
        if (!acceptsStreams()) {
            connect.chooseAgain(); // a GOAWAY crossed the choice of this link
            return;
        }
        int maxStreams = Math.min(config.maxStreamsPerAgent(), link.peerSettings().maxStreams());
        if (link.streamCount() >= maxStreams || dialsPending >= config.maxPendingDials()) {
            String why = link.streamCount() >= maxStreams ? "streams per agent limit reached"
                    : "pending dials limit reached";
            answer.refuse(ProxyResponse.SERVICE_UNAVAILABLE, request.authority(), why);
            return;
        }
        TunnelStream stream = link.newStream(link.nextStreamId(), request.authority(), client);
        accessLog.streamStarted();
        frontend.pipeline().addLast(PipelineNames.RELAY, new StreamRelayHandler(stream));
        dialsPending++;
        stream.startDial(new DialFrame(stream.id(), request.host(), request.port(),
                        (int) config.agentDialTimeout().toMillis()),
                config.dialTimeout().toMillis(), new FrontendDial(connect, answer));
    }

    /** The server is shutting down: GOAWAY, then the link closes; on the link's loop. */
    void shutDown() {
        link.channel().writeAndFlush(new GoAwayFrame(link.highestStreamId(), TunnelErrorCode.NO_ERROR,
                "server shutting down"));
        link.channel().close();
    }

    @Override
    protected void onDialResult(ChannelHandlerContext ctx, TunnelStream stream, DialResultFrame result) {
        stream.onDialResult(result);
    }

    @Override
    protected void onLinkClosed(ChannelHandlerContext ctx) {
        registry.remove(this);
        LOG.info("agent {} disconnected ({}), {} agent link(s) remain", link.peerId(),
                ctx.channel().id().asShortText(), registry.size());
    }

    /** Answers the frontend once the dial has an outcome. */
    private final class FrontendDial implements DialCallback {
        private final ConnectHandler connect;
        private final FrontendAnswer answer;

        FrontendDial(ConnectHandler connect, FrontendAnswer answer) {
            this.connect = connect;
            this.answer = answer;
        }

        @Override
        public void dialSucceeded(TunnelStream stream) {
            dialsPending--;
            // Written from this loop before any DATA the stream writes, so the client sees 200 first.
            answer.established();
            connect.handOver(stream);
        }

        @Override
        public void dialFailed(TunnelStream stream, TunnelErrorCode code, String reason) {
            dialsPending--;
            answer.dialFailed(ProxyResponse.forDialError(code));
        }
    }
}
