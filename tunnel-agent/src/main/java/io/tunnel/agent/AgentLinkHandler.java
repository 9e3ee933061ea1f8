package io.tunnel.agent;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.NetUtil;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelLinkHandler;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelProtocolException;

/**
 * The agent's end of the link to one server: turns each DIAL into a destination connection, and reports the server's
 * GOAWAY to the {@link ServerSet}. A DIAL that arrives after this agent's own GOAWAY crossed it (the server sent it
 * before reading the GOAWAY) and is served like any other ({@code docs/protocol.md} §6.7).
 */
final class AgentLinkHandler extends TunnelLinkHandler implements ServerSet.Link {
    private final StreamDialer dialer;
    private final int maxStreams;
    private final String serverId;
    private final int serverCount;
    private final AgentLinks events;

    AgentLinkHandler(TunnelLink link, StreamDialer dialer, int maxStreams, String serverId, int serverCount,
                     AgentLinks events) {
        super(link);
        this.dialer = dialer;
        this.maxStreams = maxStreams;
        this.serverId = serverId;
        this.serverCount = serverCount;
        this.events = events;
    }

    @Override
    protected void onDial(ChannelHandlerContext ctx, DialFrame dial) {
        if (dial.streamId() <= link.highestStreamId()) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "DIAL stream id " + dial.streamId() + " does not increase");
        }
        link.acceptStreamId(dial.streamId());
        if (link.streamCount() >= maxStreams || peerWentAway()) {
            link.write(DialResultFrame.failure(dial.streamId(), TunnelErrorCode.TOO_MANY_STREAMS,
                    peerWentAway() ? "DIAL after the server's GOAWAY" : "agent stream limit reached"));
            return;
        }
        String target = NetUtil.toSocketAddressString(dial.host(), dial.port());
        TunnelStream stream = link.newStream(dial.streamId(), target, "");
        dialer.dial(stream, dial);
    }

    @Override
    protected void onGoAway(ChannelHandlerContext ctx, GoAwayFrame goAway) {
        super.onGoAway(ctx, goAway);
        if (goAway.code() == TunnelErrorCode.NO_ERROR) {
            events.serverGoingAway();
        }
    }

    @Override
    public String serverId() {
        return serverId;
    }

    @Override
    public int serverCount() {
        return serverCount;
    }

    @Override
    public String linkId() {
        return link.channel().id().asShortText();
    }

    @Override
    public String remoteAddress() {
        return String.valueOf(link.channel().remoteAddress());
    }

    @Override
    public void goAway(String reason) {
        if (link.eventLoop().inEventLoop()) {
            goAwayGracefully(reason);
        } else {
            link.eventLoop().execute(() -> goAwayGracefully(reason));
        }
    }

    @Override
    public long unwrittenBytes() {
        return link.unwrittenBytes();
    }

    @Override
    public long unsentBytes() {
        return link.unsentBytes();
    }
}
