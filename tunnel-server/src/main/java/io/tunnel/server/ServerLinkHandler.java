package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.tunnel.core.link.DialCallback;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelLinkHandler;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's end of an agent link: opens streams for frontend connections (DIAL), routes the agent's answers, and
 * watches its pending dials for a link gone silent ({@link PendingDials}): a suspect link's dials are moved to another
 * link where the router has one.
 *
 * <p>Confined to the link's event loop, except what the {@link AgentRouter} and {@code /agents} read from any thread:
 * the agent id, identifiers, remote address and connection time (final), {@link #acceptsStreams()} (the channel's
 * state and {@link TunnelLink#isGoingAway()}, volatile), {@link #isSuspect()} (volatile) and the link's
 * {@link TunnelLink#openStreams()} and byte counts (volatile, written on this loop).
 */
public final class ServerLinkHandler extends TunnelLinkHandler {
    private static final Logger LOG = LogManager.getLogger(ServerLinkHandler.class);
    /** How a DIAL taken back from a suspect link ends (its access-log line; no answer to the client). */
    private static final StreamResult SUSPECT = new StreamResult(TunnelErrorCode.CANCEL, "agent link suspect");

    private final ServerConfig config;
    private final AgentRegistry registry;
    private final AccessLog accessLog;
    private final AgentIdentifiers identifiers;
    private final SocketAddress remoteAddress;
    private final Instant connectedSince = Instant.now();
    private final PendingDials<FrontendDial> pending;

    ServerLinkHandler(TunnelLink link, ServerConfig config, AgentRegistry registry, AccessLog accessLog,
                      AgentIdentifiers identifiers) {
        super(link);
        this.config = config;
        this.registry = registry;
        this.accessLog = accessLog;
        this.identifiers = identifiers;
        this.remoteAddress = link.channel().remoteAddress();
        this.pending = new PendingDials<>(link.eventLoop(), new Probe());
    }

    /** The agent's id, from its certificate; any thread. */
    String agentId() {
        return link.peerId();
    }

    /** What the agent may be routed by: its claims, less those the claims file refused; any thread. */
    AgentIdentifiers identifiers() {
        return identifiers;
    }

    /** Where the link comes from; any thread. */
    SocketAddress remoteAddress() {
        return remoteAddress;
    }

    Instant connectedSince() {
        return connectedSince;
    }

    /** Whether the router may hand this link new streams (it is open and not draining); any thread. */
    boolean acceptsStreams() {
        return link.channel().isActive() && !link.isGoingAway();
    }

    /** Whether a DIAL and then a PING went unanswered and nothing was read since; any thread. */
    boolean isSuspect() {
        return pending.isSuspect();
    }

    /** The link's short channel id, as logs and {@code /agents} name it. */
    String linkId() {
        return link.channel().id().asShortText();
    }

    /**
     * Opens the stream of {@code opening}'s frontend connection; runs on the link's loop. The stream is bound to the
     * connection here ({@link StreamOpening#attach}: the relay handler, with this loop as its executor, or a forwarded
     * request's exchange), before DIAL goes out. If this link cannot take the stream now (it
     * went away, reached a limit, or became suspect since it was chosen) the connection is handed to another link when
     * the router has one; a suspect link without alternative still dials.
     */
    void openStream(StreamOpening opening, String strategy) {
        Channel frontend = opening.channel();
        if (!frontend.isActive()) {
            return;
        }
        String busy = busy();
        if (busy != null || isSuspect()) {
            AgentChoice other = opening.anotherLink();
            if (other.found()) {
                opening.dispatch(other);
                return;
            }
            if (busy != null) {
                opening.refuse(ProxyResponse.SERVICE_UNAVAILABLE, busy);
                return;
            }
        }
        TunnelStream stream = link.newStream(link.nextStreamId(), opening.target(),
                FrontendClient.describe(frontend));
        stream.route(strategy);
        stream.identity(opening.answer().identity().name());
        accessLog.streamStarted();
        opening.attach(stream);
        FrontendDial dial = new FrontendDial(opening, stream, pending.now());
        pending.add(dial);
        ConnectRequest request = opening.request();
        stream.startDial(new DialFrame(stream.id(), request.host(), request.port(),
                        (int) config.agentDialTimeout().toMillis()),
                config.dialTimeout().toMillis(), dial);
    }

    /** Why this link cannot take a new stream now, or {@code null} if it can. */
    private String busy() {
        if (!acceptsStreams()) {
            return "agent link closing";
        }
        if (link.streamCount() >= Math.min(config.maxStreamsPerAgent(), link.peerSettings().maxStreams())) {
            return "streams per agent limit reached";
        }
        if (pending.size() >= config.maxPendingDials()) {
            return "pending dials limit reached";
        }
        return null;
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
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pending.readFromLink();
        super.channelReadComplete(ctx);
    }

    @Override
    protected void onLinkClosed(ChannelHandlerContext ctx) {
        pending.stop();
        registry.remove(this);
        LOG.info("agent {} disconnected ({}), {} agent link(s) remain", link.peerId(),
                ctx.channel().id().asShortText(), registry.size());
    }

    /** The PING and what follows from its answer or silence. */
    private final class Probe implements PendingDials.Host<FrontendDial> {
        @Override
        public void ping() {
            link.writeAndFlush(new PingFrame(ThreadLocalRandom.current().nextLong()));
        }

        @Override
        public void becameSuspect(List<FrontendDial> dials) {
            int moved = 0;
            for (FrontendDial dial : dials) {
                if (dial.moveElsewhere()) {
                    moved++;
                }
            }
            LOG.warn("agent {} link {}: a DIAL unanswered for {} ms, then nothing read for {} ms after a PING: "
                            + "suspect, no new streams until it answers; {} of {} pending dial(s) moved to other links",
                    agentId(), linkId(), PendingDials.DIAL_SILENCE_MILLIS, PendingDials.PROBE_TIMEOUT_MILLIS, moved,
                    dials.size());
        }

        @Override
        public void recovered() {
            LOG.info("agent {} link {} answers again: no longer suspect", agentId(), linkId());
        }
    }

    /** Answers the frontend once the dial has an outcome, or takes the connection to another link. */
    private final class FrontendDial implements DialCallback, PendingDials.Dial {
        private final StreamOpening opening;
        private final long sentNanos;
        private final TunnelStream stream;

        FrontendDial(StreamOpening opening, TunnelStream stream, long sentNanos) {
            this.opening = opening;
            this.stream = stream;
            this.sentNanos = sentNanos;
        }

        @Override
        public long sentNanos() {
            return sentNanos;
        }

        @Override
        public void dialSucceeded(TunnelStream stream) {
            pending.remove(this);
            opening.opened(stream);
        }

        @Override
        public void dialFailed(TunnelStream stream, TunnelErrorCode code, String reason) {
            pending.remove(this);
            opening.answer().dialFailed(ProxyResponse.forDialError(code));
        }

        /**
         * The stream could not open here for a reason of this link (it went away or is gone, or the agent had no
         * room): another link, if the router has one, dials instead, and the client still gets its 200.
         */
        @Override
        public boolean dialElsewhere(TunnelStream stream, TunnelErrorCode code, String reason) {
            if (code != TunnelErrorCode.SHUTDOWN && code != TunnelErrorCode.TOO_MANY_STREAMS) {
                return false;
            }
            return takeElsewhere(null);
        }

        /** The link became suspect: withdraw this DIAL and dial over another link, if there is one. */
        boolean moveElsewhere() {
            return takeElsewhere(this::withdraw);
        }

        private void withdraw() {
            stream.withdrawDial(SUSPECT);
        }

        private boolean takeElsewhere(Runnable beforeMove) {
            Channel frontend = opening.channel();
            if (!frontend.isActive() || opening.answer().isAnswered()) {
                return false;
            }
            AgentChoice other = opening.anotherLink();
            if (!other.found()) {
                return false;
            }
            pending.remove(this);
            if (beforeMove != null) {
                beforeMove.run();
            }
            opening.detach();
            opening.dispatch(other);
            return true;
        }
    }
}
