package io.tunnel.agent;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.NetUtil;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelLinkHandler;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelProtocolException;

/** The agent's end of the link: turns each DIAL into a destination connection. */
final class AgentLinkHandler extends TunnelLinkHandler {
    private final StreamDialer dialer;
    private final int maxStreams;

    AgentLinkHandler(TunnelLink link, StreamDialer dialer, int maxStreams) {
        super(link);
        this.dialer = dialer;
        this.maxStreams = maxStreams;
    }

    @Override
    protected void onDial(ChannelHandlerContext ctx, DialFrame dial) {
        if (dial.streamId() <= link.highestStreamId()) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "DIAL stream id " + dial.streamId() + " does not increase");
        }
        link.acceptStreamId(dial.streamId());
        if (link.streamCount() >= maxStreams || link.isGoingAway()) {
            link.write(DialResultFrame.failure(dial.streamId(), TunnelErrorCode.TOO_MANY_STREAMS,
                    link.isGoingAway() ? "agent shutting down" : "agent stream limit reached"));
            return;
        }
        String target = NetUtil.toSocketAddressString(dial.host(), dial.port());
        TunnelStream stream = link.newStream(dial.streamId(), target, "");
        dialer.dial(stream, dial);
    }
}
